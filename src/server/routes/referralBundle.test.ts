import { HubError, type Problem } from '../errors.js';
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

/**
 * A number, text, true or null where the ServiceRequest has an object (or a list of objects). POST
 * /referrals runs readReferralBundle (HubError 400/422) and then, with validateProfiles, refuses any
 * profile problem with 422: so each of these must end in a 4xx HubError from one or the other, never a
 * referral that passes both and never a TypeError (a 500).
 */
describe('a primitive where the ServiceRequest has an object: 4xx, never accepted, never a crash', () => {
  const rows: Array<[string, unknown]> = [];
  for (const path of ['subject', 'code', 'meta', 'requester', 'identifier[0]', 'contained[0]', 'note[0]']) {
    for (const value of [7, 'seven', true, null]) rows.push([path, value]);
  }
  for (const path of ['identifier', 'contained', 'note', 'performer']) {
    for (const value of [7, 'seven', true]) rows.push([path, value]);
  }

  it.each(rows)('ServiceRequest.%s = %j', (path, value) => {
    const bundle = peterReferral();
    const sr = bundle.entry?.[0]?.resource as unknown as Record<string, unknown>;
    const [key = '', index] = path.replace(']', '').split('[');
    if (index === undefined) sr[key] = value;
    else {
      if (!Array.isArray(sr[key])) sr[key] = [{ text: 'an object to replace' }];
      (sr[key] as unknown[])[Number(index)] = value;
    }
    let problems: Problem[];
    let status = 422; // what POST /referrals answers for profile problems
    try {
      problems = profileProblems(readReferralBundle(bundle));
    } catch (error) {
      expect(error).toBeInstanceOf(HubError);
      status = (error as HubError).status;
      problems = (error as HubError).problems;
    }
    expect([400, 422]).toContain(status);
    expect(problems.length).toBeGreaterThan(0);
    // The requester is read from the contained PractitionerRole, so a broken `contained` is named there.
    const name = path.replace(/\[\d+\]$/, '');
    const field = `Bundle.entry[0].resource.${name === 'contained' ? 'requester' : name}`;
    expect(problems.map((p) => p.expression)).toContainEqual(expect.stringContaining(field));
    for (const p of problems) expect(p.text).not.toMatch(/undefined|\[object|TypeError/);
  });
});
