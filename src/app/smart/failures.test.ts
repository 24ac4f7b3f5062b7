import {
  classifyFailure,
  describeRequest,
  FAILURE_DETAIL,
  FhirRequestError,
  isLaunchFailure,
  LAUNCH_FAILURE_KINDS,
  LaunchFailureError,
} from './failures.js';

const url = 'http://127.0.0.1:8080/fhir/Observation?patient=peter';

describe('classifyFailure', () => {
  it.each([
    [
      'fhirclient without ?state: the app opened directly, never launched',
      new Error("No 'state' parameter found. Please (re)launch the app."),
      'ready',
      'no-launch-context',
    ],
    [
      'fhirclient with the session storage gone',
      new Error('No state found! Please (re)launch the app.'),
      'ready',
      'state-lost',
    ],
    [
      'fhirclient without iss',
      new Error('No server url found. It must be specified as `iss`'),
      'ready',
      'no-launch-context',
    ],
    [
      'the auth server refused the scopes',
      new Error('invalid_scope: None of the requested data scopes'),
      'ready',
      'scopes-not-granted',
    ],
    [
      'the clinician cancelled',
      new Error('access_denied: The clinician cancelled sign-in.'),
      'ready',
      'scopes-not-granted',
    ],
    [
      'the token exchange failed on the network',
      new TypeError('Failed to fetch'),
      'ready',
      'fhir-unreachable',
    ],
    [
      'fhirclient could not refresh',
      new Error('Session expired! Please re-launch the app'),
      'fhir',
      'token-expired',
    ],
    ['a 401', new FhirRequestError('http', url, 'HTTP 401', { status: 401 }), 'fhir', 'token-expired'],
    [
      'fhirclient’s HttpError 401',
      Object.assign(new Error('401 Unauthorized'), { status: 401 }),
      'fhir',
      'token-expired',
    ],
    ['a 403', new FhirRequestError('http', url, 'HTTP 403', { status: 403 }), 'fhir', 'scopes-not-granted'],
    ['a 503', new FhirRequestError('http', url, 'HTTP 503', { status: 503 }), 'fhir', 'fhir-unreachable'],
    ['no connection', new FhirRequestError('network', url, 'fetch failed'), 'fhir', 'fhir-unreachable'],
    ['a bare TypeError', new TypeError('fetch failed'), 'fhir', 'fhir-unreachable'],
    ['too slow', new FhirRequestError('timeout', url, 'slow', { timeoutMs: 8000 }), 'fhir', 'fhir-slow'],
    ['config fetch failed', new TypeError('fetch failed'), 'config', 'config-unreadable'],
    ['anything else in config', new Error('odd'), 'config', 'config-unreadable'],
    [
      'a LaunchFailureError passes through',
      new LaunchFailureError('no-nhs-number', FAILURE_DETAIL['no-nhs-number']),
      'fhir',
      'no-nhs-number',
    ],
  ] as const)('%s → %s', (_label, err, where, kind) => {
    const failure = classifyFailure(err, where);
    expect(failure.kind).toBe(kind);
    expect(failure.detail.length).toBeGreaterThan(20);
    expect(failure.detail).not.toMatch(/undefined|\[object/);
  });

  it('no state after a reload: the session was lost', () => {
    const err = new Error("No 'state' parameter found. Please (re)launch the app.");
    expect(classifyFailure(err, 'ready', { reloaded: true }).kind).toBe('state-lost');
  });

  it.each([
    ['ready', /sign-in server/],
    ['fhir', /record server/],
  ] as const)('a 5xx while %s names the server that failed', (where, text) => {
    const failure = classifyFailure(Object.assign(new Error('HTTP 500'), { status: 500 }), where);
    expect(failure.kind).toBe('fhir-unreachable');
    expect(failure.detail).toMatch(text);
  });

  it('says how long it waited and what it was reading', () => {
    const failure = classifyFailure(new FhirRequestError('timeout', url, 'slow', { timeoutMs: 8000 }));
    expect(failure.detail).toContain('8 seconds');
    expect(failure.detail).toContain('fit notes');
  });

  it('an unknown error still gets a plain-English detail that says what to do', () => {
    const failure = classifyFailure(new Error('weird'), 'fhir');
    expect(failure.detail).toMatch(/weird/);
    expect(failure.detail).toMatch(/open it again/);
  });
});

describe('launch failure texts', () => {
  it('every kind has a detail that says what to do next', () => {
    for (const kind of LAUNCH_FAILURE_KINDS) {
      expect(FAILURE_DETAIL[kind]).toMatch(/\.$/);
      expect(FAILURE_DETAIL[kind]).toMatch(/open|Open|Try again|Ask|[Tt]ell|Trace|Check/);
    }
  });

  it('isLaunchFailure accepts only the contract’s shape', () => {
    expect(isLaunchFailure({ kind: 'state-lost', detail: 'x' })).toBe(true);
    expect(isLaunchFailure({ kind: 'other', detail: 'x' })).toBe(false);
    expect(isLaunchFailure({ kind: 'state-lost' })).toBe(false);
    expect(isLaunchFailure(null)).toBe(false);
  });

  it.each([
    ['Patient?_id=peter', 'the patient’s details'],
    ['http://x/fhir/ServiceRequest?patient=p', 'the patient’s referrals'],
    ['Practitioner/gp-1', 'your user details'],
    ['http://x/fhir', 'the record'],
  ])('describeRequest(%s)', (u, words) => {
    expect(describeRequest(u)).toBe(words);
  });
});
