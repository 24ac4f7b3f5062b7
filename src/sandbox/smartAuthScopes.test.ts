import {
  grantScope,
  intersectScopes,
  isValidScopeToken,
  parseResourceScope,
  reduceScopes,
  splitScopes,
} from './smartAuthScopes.js';

describe('parseResourceScope', () => {
  it.each([
    ['patient/Observation.rs', { context: 'patient', resourceType: 'Observation', perms: 'rs', v1: false }],
    ['user/*.cruds', { context: 'user', resourceType: '*', perms: 'cruds', v1: false }],
    ['patient/Patient.r', { context: 'patient', resourceType: 'Patient', perms: 'r', v1: false }],
    ['patient/Observation.read', { context: 'patient', resourceType: 'Observation', perms: 'rs', v1: true }],
    [
      'patient/ServiceRequest.write',
      { context: 'patient', resourceType: 'ServiceRequest', perms: 'cud', v1: true },
    ],
    ['user/*.*', { context: 'user', resourceType: '*', perms: 'cruds', v1: true }],
  ])('%s', (text, expected) => {
    expect(parseResourceScope(text)).toMatchObject(expected);
  });

  it('keeps a granular query', () => {
    expect(parseResourceScope('patient/Observation.rs?category=survey')?.query).toBe('?category=survey');
  });

  it.each([
    'openid',
    'launch',
    'launch/patient',
    'patient/Observation.sr', // out of order
    'patient/Observation.rr', // repeated
    'patient/Observation.', // empty
    'patient/Observation.x',
    'practitioner/Observation.rs',
    'patient/observation.rs',
    'patient/Observation.read?category=x', // v1 has no query
  ])('%s is not a resource scope', (text) => {
    expect(parseResourceScope(text)).toBeUndefined();
  });
});

describe('splitScopes and isValidScopeToken', () => {
  it('splits on any whitespace and drops repeats', () => {
    expect(splitScopes(' launch  openid\tlaunch patient/Patient.r ')).toEqual([
      'launch',
      'openid',
      'patient/Patient.r',
    ]);
    expect(splitScopes(null)).toEqual([]);
  });
  it.each([
    ['patient/Observation.rs?category=http://loinc.org|x', true],
    ['a"b', false],
    ['a\\b', false],
    ['café', false],
  ])('%s valid: %s', (token, ok) => {
    expect(isValidScopeToken(token)).toBe(ok);
  });
});

describe('grantScope (requested ∩ allowed)', () => {
  const allowed = [
    'launch',
    'openid',
    'fhirUser',
    'patient/Patient.rs',
    'patient/Observation.crus',
    'user/Practitioner.rs',
  ];
  it.each([
    ['launch', ['launch']],
    ['profile', []],
    ['offline_access', []],
    ['patient/Patient.r', ['patient/Patient.r']],
    ['patient/Patient.rs', ['patient/Patient.rs']],
    ['patient/Patient.cruds', ['patient/Patient.rs']],
    ['patient/Patient.d', []],
    ['patient/Patient.read', ['patient/Patient.read']],
    ['patient/Patient.write', []],
    ['patient/Observation.write', ['patient/Observation.cu']],
    ['patient/Observation.*', ['patient/Observation.crus']],
    ['patient/Observation.rs?category=survey', ['patient/Observation.rs?category=survey']],
    ['patient/Condition.rs', []],
    ['user/Patient.rs', []],
    ['system/Patient.rs', []],
    ['patient/*.rs', ['patient/Patient.rs', 'patient/Observation.rs']],
    ['patient/*.c', ['patient/Observation.c']],
  ])('%s → %j', (requested, expected) => {
    expect(grantScope(requested, allowed)).toEqual(expected);
  });

  it('a wildcard allowance covers every type', () => {
    expect(grantScope('patient/Condition.rs', ['patient/*.rs'])).toEqual(['patient/Condition.rs']);
    expect(grantScope('patient/*.cruds', ['patient/*.rs'])).toEqual(['patient/*.rs']);
  });

  it('permissions from several allowances are joined', () => {
    expect(grantScope('patient/Task.cruds', ['patient/*.rs', 'patient/Task.cu'])).toEqual([
      'patient/Task.crus',
    ]);
  });

  it('intersectScopes keeps the order asked and no repeats', () => {
    expect(
      intersectScopes(
        ['openid', 'patient/Observation.rs', 'patient/Observation.read', 'patient/Condition.rs', 'launch'],
        allowed,
      ),
    ).toEqual(['openid', 'patient/Observation.rs', 'patient/Observation.read', 'launch']);
  });
});

describe('reduceScopes (simulated invalid_scope)', () => {
  it('drops write permissions and refresh', () => {
    expect(
      reduceScopes([
        'launch',
        'openid',
        'online_access',
        'patient/Patient.rs',
        'patient/ServiceRequest.cu',
        'patient/Task.crus',
      ]),
    ).toEqual(['launch', 'openid', 'patient/Patient.rs', 'patient/Task.rs']);
  });
  it('read-only grants lose every resource type but Patient', () => {
    expect(reduceScopes(['launch', 'patient/Patient.r', 'patient/Observation.rs'])).toEqual([
      'launch',
      'patient/Patient.r',
    ]);
  });
  it('a grant of only Patient loses it', () => {
    expect(reduceScopes(['launch', 'patient/Patient.r'])).toEqual(['launch']);
  });
});
