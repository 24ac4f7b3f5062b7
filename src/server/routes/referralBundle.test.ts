import { peterReferral } from '../testSupport.js';
import { dateTimeProblem, profileProblems, readReferralBundle } from './referralBundle.js';

it.each<[unknown, RegExp | undefined]>([
  ['2026-11-20T10:20:00Z', undefined],
  ['2026-11-20T10:20:00.123+01:00', undefined],
  ['2026-11-20', undefined],
  ['2026-11', undefined],
  ['2024-02-29T00:00:00Z', undefined],
  ['2026-02-29T00:00:00Z', /not a real calendar date/],
  ['2026-11-31', /not a real calendar date/],
  ['2026-11-20T25:00:00Z', /not a FHIR date and time/],
  ['2026-11-20T10:20:00', /not a FHIR date and time/],
  ['20/11/2026', /not a FHIR date and time/],
  [20261120, /should be a date and time as text/],
])('dateTimeProblem(%j)', (value, problem) => {
  const result = dateTimeProblem(value);
  if (problem === undefined) expect(result).toBeUndefined();
  else expect(result).toMatch(problem);
});

it('reads the app’s referral Bundle: identifier, patient, practice, provider; and it conforms to the profiles', () => {
  const parts = readReferralBundle(peterReferral());
  expect(parts).toMatchObject({
    patientId: 'peter',
    practiceOds: 'A99999',
    providerId: 'case-managed-support',
    serviceRequest: { index: 0 },
    consent: { index: 1 },
  });
  expect(parts.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(profileProblems(parts)).toEqual([]);
}, 20_000);
