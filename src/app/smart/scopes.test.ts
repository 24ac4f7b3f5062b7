import { APP_SCOPE, allows, canWriteBundle, canWriteFrom, missingReads } from './scopes.js';

describe('what granted scopes allow', () => {
  it.each([
    ['patient/Observation.rs', 'Observation', 'r', true],
    ['patient/Observation.rs', 'Observation', 's', true],
    ['patient/Observation.rs', 'Observation', 'c', false],
    ['patient/Observation.rs', 'Condition', 'r', false],
    ['patient/*.rs', 'Condition', 's', true],
    ['user/*.cruds', 'Task', 'c', true],
    ['patient/ServiceRequest.crs', 'ServiceRequest', 'c', true],
    ['patient/Observation.read', 'Observation', 's', true],
    ['patient/Observation.read', 'Observation', 'c', false],
    ['patient/Task.write', 'Task', 'c', true],
    ['patient/*.*', 'Consent', 'c', true],
    // SMART 2.2 granular scopes grant only some resources of the type: not the app's unrestricted reads.
    ['patient/Observation.rs?category=laboratory', 'Observation', 'r', false],
    ['patient/Observation.rs?category=laboratory', 'Observation', 's', false],
    ['patient/Observation.c?category=social-history', 'Observation', 'c', false],
    ['patient/Observation.rs?category=laboratory patient/Observation.rs', 'Observation', 's', true],
    ['patient/Observation.sr', 'Observation', 'r', false], // out of order: not a valid v2 scope
    ['launch openid fhirUser', 'Patient', 'r', false],
    ['', 'Patient', 'r', false],
  ] as const)('%s: %s %s → %s', (scope, type, perm, expected) => {
    expect(allows(scope, type, perm)).toBe(expected);
  });
});

describe('missing reads and write permission', () => {
  it.each([
    ['everything the app asked for', APP_SCOPE, [], true],
    ['reads only', 'launch patient/Patient.rs patient/Observation.rs patient/ServiceRequest.rs', [], false],
    ['patient wildcard read', 'launch patient/*.rs', [], false],
    ['wildcard everything', 'launch patient/*.cruds', [], true],
    ['no Observation read', 'launch patient/Patient.rs patient/ServiceRequest.rs', ['Observation'], false],
    ['nothing', 'launch openid', ['Patient', 'Observation', 'ServiceRequest'], false],
    [
      'writes without Observation create',
      'patient/*.rs patient/ServiceRequest.c patient/Task.c patient/Consent.c',
      [],
      false,
    ],
    ['v1 read and write', 'patient/*.read patient/*.write', [], true],
  ])('%s', (_label, scope, missing, canWrite) => {
    expect(missingReads(scope)).toEqual(missing);
    expect(canWriteFrom(scope)).toBe(canWrite);
  });
});

describe('whether one referral bundle can be written', () => {
  const entry = (resourceType: string, method = 'POST') => ({
    resource: { resourceType },
    request: { method, url: resourceType },
  });
  const plain = { entry: [entry('ServiceRequest'), entry('Consent'), entry('Task')] };
  const withWork = { entry: [...plain.entry, entry('Observation')] };
  const noObservationCreate = 'patient/*.rs patient/ServiceRequest.c patient/Task.c patient/Consent.c';
  it.each([
    ['no Observations, no Observation create', noObservationCreate, plain, true],
    ['work Observations, no Observation create', noObservationCreate, withWork, false],
    ['work Observations, every create', APP_SCOPE, withWork, true],
    ['no Task create', 'patient/ServiceRequest.c patient/Consent.c', plain, false],
    [
      'a restricted create does not count',
      `${noObservationCreate.replace('patient/Task.c', 'patient/Task.c?status=draft')}`,
      plain,
      false,
    ],
    ['an update needs u, not c', APP_SCOPE, { entry: [entry('Task', 'PUT')] }, false],
    ['an update with u', 'patient/Task.u', { entry: [entry('Task', 'PUT')] }, true],
    ['an empty bundle', APP_SCOPE, { entry: [] }, false],
    [
      'an entry with neither resource nor url',
      APP_SCOPE,
      { entry: [{ request: { method: 'POST' } }] },
      false,
    ],
  ])('%s', (_label, scope, bundle, expected) => {
    expect(canWriteBundle(scope, bundle)).toBe(expected);
  });

  it('canWriteFrom still means “may write a referral with its work Observations”', () => {
    expect(canWriteFrom(noObservationCreate)).toBe(false);
    expect(canWriteBundle(noObservationCreate, plain)).toBe(true);
  });
});
