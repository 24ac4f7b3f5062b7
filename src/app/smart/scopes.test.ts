import { APP_SCOPE, allows, canWriteFrom, missingReads } from './scopes.js';

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
    ['patient/Observation.rs?category=laboratory', 'Observation', 'r', true],
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
