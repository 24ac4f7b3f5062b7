import { completeLaunch, type ReadyClient, readFhirContext, startLaunch } from './launch.js';
import { APP_SCOPE } from './scopes.js';

const SANDBOX = 'http://127.0.0.1:8080/fhir';

describe('startLaunch', () => {
  it('hands every registration to fhirclient’s authorize, with PKCE required, completing in the iframe', async () => {
    const calls: unknown[] = [];
    const failure = await startLaunch({
      url: `http://127.0.0.1:8080/launch/?iss=${encodeURIComponent(SANDBOX)}&launch=abc`,
      authorize: async (params) => {
        calls.push(params);
      },
    });
    expect(failure).toBeUndefined();
    expect(calls).toHaveLength(1);
    const params = calls[0] as Array<Record<string, unknown>>;
    expect(params[0]).toMatchObject({
      clientId: 'fitnote-prompt',
      scope: APP_SCOPE,
      redirectUri: '/app/',
      pkceMode: 'required',
      completeInTarget: true,
    });
  });

  it.each([
    ['no iss or launch', 'http://x/launch/', 'no-launch-context', /launch details/],
    ['no launch', `http://x/launch/?iss=${SANDBOX}`, 'no-launch-context', /launch code/],
    ['no iss', 'http://x/launch/?launch=abc', 'no-launch-context', /address of the record server/],
    [
      'an EHR the app is not registered with',
      'http://x/launch/?iss=https://ehr.other.example/fhir&launch=abc',
      'ehr-not-registered',
      /not set up.*ehr\.other\.example/,
    ],
  ])('%s → %s, without calling authorize', async (_label, url, kind, words) => {
    let called = false;
    const failure = await startLaunch({
      url,
      authorize: async () => {
        called = true;
      },
    });
    expect(failure?.kind).toBe(kind);
    expect(failure?.detail).toMatch(words);
    expect(called).toBe(false);
  });

  it.each([
    [
      "Required PKCE code challenge method (`S256`) was not found in the server's codeChallengeMethods declaration.",
      'pkce-unsupported',
      /PKCE/,
    ],
    [
      'Failed to fetch the well-known json "http://x/.well-known/smart-configuration". fetch failed',
      'fhir-unreachable',
      /sign-in settings/,
    ],
  ])('authorize failing with %s → %s', async (message, kind, words) => {
    const failure = await startLaunch({
      url: `http://x/launch/?iss=${SANDBOX}&launch=abc`,
      authorize: async () => {
        throw new Error(message);
      },
    });
    expect(failure?.kind).toBe(kind);
    expect(failure?.detail).toMatch(words);
  });
});

function client(
  tokenResponse: Record<string, unknown>,
  fhirUser: string | null = 'Practitioner/gp-1',
): ReadyClient {
  return {
    state: { serverUrl: SANDBOX, tokenResponse },
    request: async <T>() => ({}) as T,
    getFhirUser: () => fhirUser,
  };
}

describe('completeLaunch', () => {
  it('gives a session with the launch context, the granted scopes and write permission', async () => {
    const session = await completeLaunch({
      ready: async () =>
        client({
          access_token: 't',
          scope: APP_SCOPE,
          patient: 'peter',
          encounter: 'peter-consultation',
          need_patient_banner: false,
          smart_style_url: 'http://127.0.0.1:8080/ehr/smart-style.json',
          fhirContext: [{ reference: 'Encounter/e1' }, { nonsense: true }, 'bad'],
        }),
    });
    expect('kind' in session).toBe(false);
    if ('kind' in session) return;
    expect(session.tokenResponse).toEqual({
      patient: 'peter',
      encounter: 'peter-consultation',
      need_patient_banner: false,
      smart_style_url: 'http://127.0.0.1:8080/ehr/smart-style.json',
      scope: APP_SCOPE,
      fhirContext: [{ reference: 'Encounter/e1' }],
    });
    expect(session.canWrite).toBe(true);
    expect(session.showPatientBanner).toBe(false);
    expect(session.fhirUser).toBe('Practitioner/gp-1');
    expect(session.requester.fhirBaseUrl).toBe(SANDBOX);
  });

  it('read-only scopes: a session that may not write; no banner flag: show the banner', async () => {
    const session = await completeLaunch({
      ready: async () =>
        client(
          {
            scope: 'launch patient/Patient.rs patient/Observation.rs patient/ServiceRequest.rs',
            patient: 'p',
          },
          null,
        ),
    });
    if ('kind' in session) throw new Error(session.detail);
    expect(session.canWrite).toBe(false);
    expect(session.showPatientBanner).toBe(true);
    expect(session.fhirUser).toBeUndefined();
    expect(session.fhirContext).toEqual([]);
  });

  it.each([
    [
      'ready() without ?state, the page opened directly',
      'no-launch-context',
      () => Promise.reject(new Error("No 'state' parameter found. Please (re)launch the app.")),
    ],
    [
      'ready() after sessionStorage was cleared',
      'state-lost',
      () => Promise.reject(new Error('No state found! Please (re)launch the app.')),
    ],
    [
      'the auth server said invalid_scope',
      'scopes-not-granted',
      () => Promise.reject(new Error('invalid_scope: no')),
    ],
    [
      'the token endpoint could not be reached',
      'fhir-unreachable',
      () => Promise.reject(new TypeError('Failed to fetch')),
    ],
    ['no patient in the token response', 'no-launch-context', async () => client({ scope: APP_SCOPE })],
    [
      'no Observation read granted',
      'scopes-not-granted',
      async () => client({ scope: 'launch patient/Patient.rs patient/ServiceRequest.rs', patient: 'p' }),
    ],
  ] as const)('%s → %s', async (_label, kind, ready) => {
    const result = await completeLaunch({ ready });
    expect('kind' in result && result.kind).toBe(kind);
  });

  it('ready() without ?state after a reload → state-lost', async () => {
    const ready = () => Promise.reject(new Error("No 'state' parameter found. Please (re)launch the app."));
    const result = await completeLaunch({ ready, reloaded: true });
    expect('kind' in result && result.kind).toBe('state-lost');
  });

  it('names the missing permission in words', async () => {
    const result = await completeLaunch({
      ready: async () => client({ scope: 'launch patient/Patient.rs', patient: 'p' }),
    });
    expect('detail' in result && result.detail).toMatch(/fit notes and observations, earlier referrals/);
  });
});

describe('readFhirContext', () => {
  it.each([
    [undefined, []],
    ['x', []],
    [[{ reference: 'Encounter/1', role: 'launch' }], [{ reference: 'Encounter/1', role: 'launch' }]],
    [
      [{ canonical: 'http://x/Questionnaire/q|1', type: 'Questionnaire' }],
      [{ canonical: 'http://x/Questionnaire/q|1', type: 'Questionnaire' }],
    ],
    [[{ identifier: { system: 's', value: 'v' }, extra: 1 }], [{ identifier: { system: 's', value: 'v' } }]],
    [[{ type: 'Encounter' }], []],
    [[{ reference: 42 }], []],
  ])('%j → %j', (input, expected) => {
    expect(readFhirContext(input)).toEqual(expected);
  });
});
