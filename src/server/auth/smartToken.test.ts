import { allowsReferral, headerSafe, TokenChecker } from './smartToken.js';

const BASE = 'https://ehr.example.org/fhir';

describe('allowsReferral', () => {
  it.each<[string, 'create' | 'read' | 'cancel', boolean]>([
    ['patient/ServiceRequest.c', 'create', true],
    ['patient/ServiceRequest.cruds', 'create', true],
    ['user/ServiceRequest.write', 'create', true],
    ['patient/ServiceRequest.*', 'create', true],
    ['patient/*.c', 'create', true],
    ['patient/ServiceRequest.rs', 'create', false],
    ['patient/ServiceRequest.read', 'create', false],
    ['system/ServiceRequest.c', 'create', false],
    ['patient/Task.c', 'create', false],
    ['launch openid fhirUser', 'create', false],
    ['patient/ServiceRequest.rs', 'read', true],
    ['patient/ServiceRequest.s', 'read', true],
    ['user/ServiceRequest.read', 'read', true],
    ['patient/ServiceRequest.c', 'read', false],
    ['patient/ServiceRequest.c', 'cancel', true],
    ['patient/ServiceRequest.u', 'cancel', true],
    ['patient/ServiceRequest.rs', 'cancel', false],
  ])('%s allows %s: %s', (scope, access, expected) => {
    expect(allowsReferral(scope, access)).toBe(expected);
  });
});

it('headerSafe keeps a WWW-Authenticate description printable ASCII', () => {
  expect(headerSafe('The patient’s “token” is \\ bad — é')).toBe("The patient's 'token' is ' bad  ");
});

describe('TokenChecker', () => {
  let clock = Date.UTC(2026, 10, 21, 9, 0, 0);
  const calls: string[] = [];
  let introspection: Record<string, unknown> = {};
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push(url);
    if (url.endsWith('/.well-known/smart-configuration')) {
      return Response.json({ introspection_endpoint: 'https://ehr.example.org/auth/introspect' });
    }
    calls.push(String(init?.body));
    calls.push(((init?.headers ?? {}) as Record<string, string>).Authorization ?? '');
    return Response.json(introspection);
  }) as typeof fetch;
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'x-ehr-fhir-base': `${BASE}/` });

  beforeEach(() => {
    calls.length = 0;
    introspection = {
      active: true,
      scope: 'patient/ServiceRequest.c',
      patient: 'peter',
      fhirUser: `${BASE}/Practitioner/gp-1`,
      exp: clock / 1000 + 3600,
      aud: BASE,
    };
  });

  it('discovers once, introspects with HTTP Basic, and reuses a positive answer for 30 s at most', async () => {
    const checker = new TokenChecker({
      trustedBases: [BASE],
      fetch: fakeFetch,
      now: () => clock,
      introspectionClient: { id: 'hub', secret: 'pw' },
    });
    const context = await checker.authenticate(headers('tok-1'));
    expect(context).toEqual({
      ehrBaseUrl: BASE,
      scope: 'patient/ServiceRequest.c',
      patient: 'peter',
      fhirUser: 'Practitioner/gp-1',
      expiresAt: clock + 3600_000,
    });
    expect(calls).toEqual([
      `${BASE}/.well-known/smart-configuration`,
      'https://ehr.example.org/auth/introspect',
      'token=tok-1&token_type_hint=access_token',
      `Basic ${Buffer.from('hub:pw').toString('base64')}`,
    ]);
    calls.length = 0;
    clock += 29_000;
    await checker.authenticate(headers('tok-1'));
    expect(calls).toEqual([]);
    clock += 2_000;
    await checker.authenticate(headers('tok-1'));
    expect(calls).toEqual([
      'https://ehr.example.org/auth/introspect',
      expect.any(String),
      expect.stringMatching(/^Basic /),
    ]);
  });

  it('never reuses an answer beyond the token’s exp', async () => {
    const checker = new TokenChecker({ trustedBases: [BASE], fetch: fakeFetch, now: () => clock });
    introspection.exp = clock / 1000 + 5;
    await checker.authenticate(headers('tok-2'));
    clock += 6_000;
    await expect(checker.authenticate(headers('tok-2'))).rejects.toMatchObject({ status: 401 });
  });

  it('asks once for simultaneous requests with the same token', async () => {
    const checker = new TokenChecker({ trustedBases: [BASE], fetch: fakeFetch, now: () => clock });
    await Promise.all([1, 2, 3].map(() => checker.authenticate(headers('tok-3'))));
    expect(calls.filter((c) => c.endsWith('/introspect'))).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['inactive', { active: false }, /not valid any more/],
    ['expired', { exp: 1 }, /has expired/],
    ['for another server', { aud: 'https://other.example.org/fhir' }, /issued for another server/],
  ])('refuses a token that is %s', async (_label, change, message) => {
    const checker = new TokenChecker({ trustedBases: [BASE], fetch: fakeFetch, now: () => clock });
    introspection = { ...introspection, ...change };
    await expect(checker.authenticate(headers(`tok-${_label.replace(/\W/g, '-')}`))).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(message),
    });
  });

  it.each<[string, typeof fetch, number, RegExp]>([
    [
      'the EHR cannot be reached',
      (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
      503,
      /SMART configuration/,
    ],
    [
      'no introspection endpoint',
      (async () => Response.json({})) as typeof fetch,
      503,
      /does not publish a token introspection endpoint/,
    ],
    [
      'introspection answers 500',
      (async (u: string | URL | Request) =>
        String(u).endsWith('configuration')
          ? Response.json({ introspection_endpoint: 'https://ehr.example.org/i' })
          : new Response('x', { status: 500 })) as typeof fetch,
      503,
      /answered 500/,
    ],
  ])('answers 503 when %s', async (_label, f, status, message) => {
    const checker = new TokenChecker({ trustedBases: [BASE], fetch: f, now: () => clock });
    await expect(checker.authenticate(headers('tok'))).rejects.toMatchObject({
      status,
      message: expect.stringMatching(message),
    });
  });
});
