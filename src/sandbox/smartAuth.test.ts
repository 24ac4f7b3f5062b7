import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CONFIDENTIAL_TEST_CLIENT_ID,
  CONFIDENTIAL_TEST_CLIENT_SECRET,
  createLaunch,
  FITNOTE_PROMPT_CLIENT_ID,
  getSimulatedError,
  type LaunchInput,
  LIFETIME,
  loopbackAliases,
  MAX_ENTRIES,
  resetSmartAuth,
  SIMULATED_ERRORS,
  setSimulatedError,
  smartHandler,
  verifyAccessToken,
} from './smartAuth.js';
import { verifyJwt } from './smartAuthJwt.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const SCOPE =
  'launch openid fhirUser online_access patient/Patient.r patient/Observation.rs patient/ServiceRequest.cu patient/Condition.read patient/Immunization.rs';
const GRANTED =
  'launch openid fhirUser online_access patient/Patient.r patient/Observation.rs patient/ServiceRequest.cu patient/Condition.read';

let server: Server;
let origin = '';
let fhirBase = '';
let redirectUri = '';
let nowMs = Date.UTC(2026, 10, 21, 9, 0, 0);
const tick = (s: number) => {
  nowMs += s * 1000;
};

beforeAll(async () => {
  server = createServer((req, res) => {
    handler(req, res, new URL(req.url ?? '/', origin)).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end('not here');
      }
    });
  });
  let handler: ReturnType<typeof smartHandler> = async () => false;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fhirBase = `${origin}/fhir`;
  redirectUri = `${origin}/app/?from=launch`;
  handler = smartHandler({ baseUrl: origin, now: () => nowMs, introspectionClients: [HUB_CLIENT] });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  setSimulatedError(undefined);
});

const LAUNCH: LaunchInput = {
  patient: 'peter',
  encounter: 'peter-enc-1',
  fhirUser: 'Practitioner/gp-1',
  needPatientBanner: false,
  smartStyleUrl: 'http://127.0.0.1/smart-style.json',
  fhirContext: [{ reference: 'Observation/peter-fitnote-3', role: 'launch' }],
};

function authorizeParams(over: Record<string, string | undefined> = {}): URLSearchParams {
  const base: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: FITNOTE_PROMPT_CLIENT_ID,
    redirect_uri: redirectUri,
    scope: SCOPE,
    state: 'state-123',
    aud: fhirBase,
    launch: createLaunch(LAUNCH),
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    nonce: 'nonce-1',
    ...over,
  };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v !== undefined) p.set(k, v);
  return p;
}

const get = (path: string) => fetch(`${origin}${path}`, { redirect: 'manual' });
const postForm = (
  path: string,
  body: Record<string, string> | URLSearchParams,
  headers: Record<string, string> = {},
) =>
  fetch(`${origin}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });

function location(res: Response): URL {
  const loc = res.headers.get('location');
  if (loc === null) throw new Error(`no redirect (status ${res.status})`);
  return new URL(loc);
}

/** Authorize, pick gp-2, return the code. */
async function getCode(over: Record<string, string | undefined> = {}): Promise<string> {
  const params = authorizeParams(over);
  params.set('clinician', 'gp-2');
  params.set('decision', 'allow');
  const res = await postForm('/auth/authorize', params);
  expect(res.status).toBe(303);
  const code = location(res).searchParams.get('code');
  if (code === null) throw new Error(`no code: ${location(res)}`);
  return code;
}

const exchange = (code: string, over: Record<string, string> = {}) =>
  postForm('/auth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: FITNOTE_PROMPT_CLIENT_ID,
    code_verifier: VERIFIER,
    ...over,
  });

async function tokens(over: Record<string, string | undefined> = {}): Promise<Record<string, unknown>> {
  const res = await exchange(await getCode(over));
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The resource server registered to introspect (as the sandbox registers its hub). */
const HUB_CLIENT = { id: 'fitnote-hub', secret: 'hub-secret-for-tests' };
const basic = (id: string, secret: string) => ({
  Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

const introspect = async (token: string) =>
  (await (
    await postForm('/auth/introspect', { token }, basic(HUB_CLIENT.id, HUB_CLIENT.secret))
  ).json()) as Record<string, unknown>;

describe('discovery', () => {
  it('serves smart-configuration as JSON to any origin, whatever Accept says', async () => {
    const res = await fetch(`${fhirBase}/.well-known/smart-configuration`, {
      headers: { Accept: 'text/html', Origin: 'http://elsewhere.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issuer: fhirBase,
      jwks_uri: `${origin}/auth/jwks`,
      authorization_endpoint: `${origin}/auth/authorize`,
      token_endpoint: `${origin}/auth/token`,
      introspection_endpoint: `${origin}/auth/introspect`,
      revocation_endpoint: `${origin}/auth/revoke`,
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    expect(body.capabilities).toEqual(
      expect.arrayContaining([
        'launch-ehr',
        'client-public',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-banner',
        'context-style',
        'permission-v2',
        'permission-patient',
        'authorize-post',
        'sso-openid-connect',
        'permission-offline',
      ]),
    );
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['launch', 'openid', 'fhirUser']));
  });

  it('accepts a base URL given with /fhir', async () => {
    const h = smartHandler({ baseUrl: `${origin}/fhir/`, now: () => nowMs });
    let body = '';
    const res = {
      writeHead: () => res,
      end: (b: string) => {
        body = b;
      },
    };
    await h(
      { method: 'GET', headers: {} } as never,
      res as never,
      new URL(`${fhirBase}/.well-known/smart-configuration`),
    );
    expect(JSON.parse(body).issuer).toBe(fhirBase);
  });

  it('answers on the loopback aliases of its origin (discovery follows Host; aud and redirects may use any)', async () => {
    const port = new URL(origin).port;
    const h = smartHandler({ baseUrl: origin, now: () => nowMs });
    let body = '';
    const res = {
      writeHead: () => res,
      end: (b: string) => {
        body = b;
      },
    };
    const wk = new URL(`${fhirBase}/.well-known/smart-configuration`);
    await h({ method: 'GET', headers: { host: `localhost:${port}` } } as never, res as never, wk);
    expect(JSON.parse(body)).toMatchObject({
      issuer: `http://localhost:${port}/fhir`,
      token_endpoint: `http://localhost:${port}/auth/token`,
    });
    await h({ method: 'GET', headers: { host: 'evil.example' } } as never, res as never, wk);
    expect(JSON.parse(body).issuer).toBe(fhirBase);
    const alias = `http://localhost:${port}`;
    const code = await getCode({ aud: `${alias}/fhir`, redirect_uri: `${alias}/app/` });
    const token = await postForm('/auth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${alias}/app/`,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      code_verifier: VERIFIER,
    });
    const json = (await token.json()) as { access_token: string };
    expect(verifyAccessToken(json.access_token)).toMatchObject({
      aud: `${alias}/fhir`,
      fhirUser: `${alias}/fhir/Practitioner/gp-2`,
    });
  });

  it('loopbackAliases names the same server three ways, and other hosts once', () => {
    expect(loopbackAliases('http://localhost:8080')).toEqual([
      'http://localhost:8080',
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
    ]);
    expect(loopbackAliases('https://ehr.example.org')).toEqual(['https://ehr.example.org']);
  });

  it('leaves other paths to the next handler', async () => {
    expect((await get('/fhir/Patient')).status).toBe(404);
    expect((await get('/auth/nothing')).status).toBe(404);
  });

  it.each([
    ['/fhir/.well-known/smart-configuration', 'POST'],
    ['/auth/token', 'GET'],
    ['/auth/jwks', 'POST'],
    ['/auth/authorize', 'PUT'],
  ])('%s answers %s with 405', async (path, method) => {
    const res = await fetch(`${origin}${path}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBeTruthy();
  });
});

describe('createLaunch', () => {
  it('refuses a launch without a patient', () => {
    expect(() => createLaunch({ ...LAUNCH, patient: '' })).toThrow();
  });
  it('gives a different opaque value each time', () => {
    const a = createLaunch(LAUNCH);
    expect(a).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(createLaunch(LAUNCH)).not.toBe(a);
  });
  it('POST /auth/launch creates one over HTTP', async () => {
    const res = await fetch(`${origin}/auth/launch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...LAUNCH, skipLogin: true }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { launch: string; iss: string };
    expect(body.iss).toBe(fhirBase);
    const auth = await get(`/auth/authorize?${authorizeParams({ launch: body.launch })}`);
    expect(location(auth).searchParams.get('code')).toBeTruthy();
    const bad = await fetch(`${origin}/auth/launch`, { method: 'POST', body: '{"patient":""}' });
    expect(bad.status).toBe(400);
  });
});

describe('authorize', () => {
  it('shows an accessible clinician picker with the launch user preselected', async () => {
    const res = await get(`/auth/authorize?${authorizeParams()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<legend>Clinician</legend>');
    expect(html).toMatch(
      /<input type="radio" id="clinician-0" name="clinician" value="gp-1" checked required>/,
    );
    expect(html).toContain('<label for="clinician-0">Dr Alex Testdoctor, General practitioner</label>');
    expect(html).toContain('value="physio-1"');
    expect(html).toContain('<input type="hidden" name="state" value="state-123">');
    expect(html).toContain('action="/auth/authorize"');
  });

  it('escapes request values in the picker', async () => {
    const html = await (
      await get(`/auth/authorize?${authorizeParams({ state: '"><script>x</script>' })}`)
    ).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('a POST of the choice redirects with code and state, keeping the redirect URI query', async () => {
    const params = authorizeParams();
    params.set('clinician', 'gp-2');
    const res = await postForm('/auth/authorize', params);
    expect(res.status).toBe(303);
    const to = location(res);
    expect(`${to.origin}${to.pathname}`).toBe(`${origin}/app/`);
    expect(to.searchParams.get('from')).toBe('launch');
    expect(to.searchParams.get('state')).toBe('state-123');
    expect(to.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('authorize-post without a choice shows the picker', async () => {
    const res = await postForm('/auth/authorize', authorizeParams());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('name="clinician"');
  });

  it('an unknown clinician shows the picker again with the reason', async () => {
    const params = authorizeParams();
    params.set('clinician', 'nobody');
    const res = await postForm('/auth/authorize', params);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('role="alert"');
  });

  it('Cancel redirects with access_denied', async () => {
    const params = authorizeParams();
    params.set('decision', 'deny');
    const to = location(await postForm('/auth/authorize', params));
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('state')).toBe('state-123');
  });

  it('a launch with skipLogin answers with a code at once', async () => {
    const launch = createLaunch({ ...LAUNCH, skipLogin: true });
    const res = await get(`/auth/authorize?${authorizeParams({ launch })}`);
    expect(res.status).toBe(302);
    expect(location(res).searchParams.get('code')).toBeTruthy();
  });

  it.each([
    ['unknown client', { client_id: 'someone-else' }],
    ['no client', { client_id: undefined }],
    ['redirect elsewhere', { redirect_uri: 'http://evil.example/cb' }],
    ['no redirect', { redirect_uri: undefined }],
    ['redirect with a fragment', { redirect_uri: 'REDIRECT#x' }],
  ])('%s: an error page, never a redirect', async (_name, over) => {
    const o = { ...over } as Record<string, string | undefined>;
    if (o.redirect_uri === 'REDIRECT#x') o.redirect_uri = `${redirectUri}#x`;
    const res = await get(`/auth/authorize?${authorizeParams(o)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toMatch(/<h1>.+<\/h1>/);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no response_type', { response_type: undefined }, 'invalid_request'],
    ['no PKCE', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['malformed challenge', { code_challenge: 'short' }, 'invalid_request'],
    ['wrong aud', { aud: 'http://other.example/fhir' }, 'invalid_request'],
    ['no aud', { aud: undefined }, 'invalid_request'],
    ['no launch', { launch: undefined }, 'invalid_request'],
    ['unknown launch', { launch: 'not-a-launch' }, 'invalid_request'],
    ['no scope', { scope: undefined }, 'invalid_scope'],
    ['no launch scope', { scope: 'openid fhirUser patient/Patient.r' }, 'invalid_scope'],
    ['nothing grantable', { scope: 'launch openid patient/Immunization.rs' }, 'invalid_scope'],
  ])('%s → redirect with error=%s and state', async (_name, over, error) => {
    const res = await get(`/auth/authorize?${authorizeParams(over)}`);
    expect(res.status).toBe(302);
    const to = location(res);
    expect(to.searchParams.get('error')).toBe(error);
    expect(to.searchParams.get('error_description')).toBeTruthy();
    expect(to.searchParams.get('state')).toBe('state-123');
    expect(to.searchParams.get('code')).toBeNull();
  });

  it('no state → invalid_request without a state', async () => {
    const to = location(await get(`/auth/authorize?${authorizeParams({ state: undefined })}`));
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.has('state')).toBe(false);
  });

  it('an expired launch → invalid_request', async () => {
    const params = authorizeParams();
    tick(LIFETIME.launch);
    const to = location(await get(`/auth/authorize?${params}`));
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('error_description')).toMatch(/expired/);
  });

  it('a trailing slash on aud is accepted', async () => {
    const res = await get(`/auth/authorize?${authorizeParams({ aud: `${fhirBase}/` })}`);
    expect(res.status).toBe(200);
  });

  it('keeps at most MAX_ENTRIES launches, expired ones first', async () => {
    const first = createLaunch(LAUNCH);
    for (let i = 0; i < MAX_ENTRIES; i++) createLaunch(LAUNCH);
    const to = location(await get(`/auth/authorize?${authorizeParams({ launch: first })}`));
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect((await get(`/auth/authorize?${authorizeParams()}`)).status).toBe(200);
  });
});

describe('token: authorization_code', () => {
  it('the RFC 7636 Appendix B verifier matches its challenge; the token response carries the launch context', async () => {
    const res = await exchange(await getCode());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: GRANTED,
      patient: 'peter',
      encounter: 'peter-enc-1',
      need_patient_banner: false,
      smart_style_url: 'http://127.0.0.1/smart-style.json',
      fhirContext: [{ reference: 'Observation/peter-fitnote-3', role: 'launch' }],
    });
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
  });

  it('signs an id_token (RS256, key from /auth/jwks) with iss, aud, sub, fhirUser and nonce', async () => {
    const body = await tokens();
    const jwks = (await (await get('/auth/jwks')).json()) as {
      keys: { n: string; e: string; kid: string }[];
    };
    const key = jwks.keys[0];
    if (key === undefined) throw new Error('no key');
    const claims = verifyJwt(String(body.id_token), key);
    expect(claims).toMatchObject({
      iss: fhirBase,
      aud: FITNOTE_PROMPT_CLIENT_ID,
      sub: 'Practitioner/gp-2',
      fhirUser: `${fhirBase}/Practitioner/gp-2`,
      nonce: 'nonce-1',
      name: 'Dr Sam Testgp',
      iat: Math.floor(nowMs / 1000),
      exp: Math.floor(nowMs / 1000) + 3600,
    });
  });

  it('without openid/fhirUser there is no id_token; without online/offline_access no refresh token', async () => {
    const body = await tokens({ scope: 'launch patient/Patient.r', nonce: undefined });
    expect(body.scope).toBe('launch patient/Patient.r');
    expect(body.id_token).toBeUndefined();
    expect(body.refresh_token).toBeUndefined();
  });

  it('offline_access gives a refresh token; an encounter-less launch gives no encounter', async () => {
    const launch = createLaunch({ ...LAUNCH, encounter: undefined, fhirContext: undefined });
    const body = await tokens({ launch, scope: 'launch offline_access patient/Patient.r' });
    expect(body.refresh_token).toBeTruthy();
    expect(body).not.toHaveProperty('encounter');
    expect(body).not.toHaveProperty('fhirContext');
  });

  it('a code is single use; using it again revokes the tokens it gave', async () => {
    const code = await getCode();
    const first = (await (await exchange(code)).json()) as { access_token: string; refresh_token: string };
    expect(verifyAccessToken(first.access_token)).toBeDefined();
    const again = await exchange(code);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    expect(verifyAccessToken(first.access_token)).toBeUndefined();
    expect(await introspect(first.refresh_token)).toEqual({ active: false });
  });

  it('a code lasts 60 seconds', async () => {
    const code = await getCode();
    tick(LIFETIME.code);
    expect(await (await exchange(code)).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a wrong verifier → invalid_grant, and the code is spent', async () => {
    const code = await getCode();
    const wrong = await exchange(code, { code_verifier: `${VERIFIER.slice(0, -1)}A` });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await exchange(code)).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it.each<[string, Record<string, string>, number, string]>([
    ['other redirect_uri', { redirect_uri: `${origin}/other` }, 400, 'invalid_grant'],
    ['unknown code', { code: 'nope' }, 400, 'invalid_grant'],
    ['short verifier', { code_verifier: 'abc' }, 400, 'invalid_request'],
    ['no verifier', { code_verifier: '' }, 400, 'invalid_request'],
    ['no client_id', { client_id: '' }, 401, 'invalid_client'],
    ['unknown client', { client_id: 'stranger' }, 401, 'invalid_client'],
    [
      'another client',
      { client_id: CONFIDENTIAL_TEST_CLIENT_ID, client_secret: CONFIDENTIAL_TEST_CLIENT_SECRET },
      400,
      'invalid_grant',
    ],
    ['unsupported grant', { grant_type: 'password' }, 400, 'unsupported_grant_type'],
    ['no grant_type', { grant_type: '' }, 400, 'invalid_request'],
  ])('%s → %i %s', async (_name, over, status, error) => {
    const code = await getCode();
    const o: Record<string, string> = { ...over };
    if (o.code_verifier === '') o.code_verifier = undefined as never;
    const body: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      code_verifier: VERIFIER,
    };
    for (const [k, v] of Object.entries(o)) {
      if (v === '' || v === undefined) delete body[k];
      else body[k] = v;
    }
    const res = await postForm('/auth/token', body);
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const json = (await res.json()) as { error: string; error_description: string };
    expect(json.error).toBe(error);
    expect(json.error_description.length).toBeGreaterThan(0);
  });

  it('a body that is not a form → invalid_request', async () => {
    const res = await fetch(`${origin}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a confidential client authenticates with Basic; a wrong secret → 401 with WWW-Authenticate', async () => {
    const confRedirect = `${origin}/confidential/callback`;
    const code = await getCode({ client_id: CONFIDENTIAL_TEST_CLIENT_ID, redirect_uri: confRedirect });
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${CONFIDENTIAL_TEST_CLIENT_ID}:${secret}`).toString('base64')}`;
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: confRedirect,
      code_verifier: VERIFIER,
    };
    const bad = await postForm('/auth/token', form, { Authorization: basic('wrong') });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    const good = await postForm('/auth/token', form, {
      Authorization: basic(CONFIDENTIAL_TEST_CLIENT_SECRET),
    });
    expect(good.status).toBe(200);
    // the confidential client may read patient/* but not write
    expect((await good.json()) as object).toMatchObject({
      scope:
        'launch openid fhirUser patient/Patient.r patient/Observation.rs patient/Condition.read patient/Immunization.rs',
    });
  });

  it('allows the registered app origin by CORS, not others', async () => {
    const ok = await postForm('/auth/token', {}, { Origin: origin });
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await postForm('/auth/token', {}, { Origin: 'http://elsewhere.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${origin}/auth/token`, { method: 'OPTIONS', headers: { Origin: origin } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST');
  });
});

describe('token: refresh_token', () => {
  const refresh = (refresh_token: string, over: Record<string, string> = {}) =>
    postForm('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      ...over,
    });

  it('issues new tokens and rotates the refresh token; reusing the old one ends the grant', async () => {
    const first = await tokens();
    const res = await refresh(String(first.refresh_token));
    expect(res.status).toBe(200);
    const second = (await res.json()) as Record<string, unknown>;
    expect(second).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: GRANTED,
      patient: 'peter',
    });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(verifyAccessToken(String(second.access_token))).toBeDefined();
    const claims = JSON.parse(
      Buffer.from(String(second.id_token).split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims.nonce).toBeUndefined();
    // old refresh token: rejected, and the whole grant is revoked (reuse detection)
    const reuse = await refresh(String(first.refresh_token));
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(verifyAccessToken(String(second.access_token))).toBeUndefined();
    expect(await (await refresh(String(second.refresh_token))).json()).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('may narrow the scope, not widen it', async () => {
    const first = await tokens();
    const wide = await refresh(String(first.refresh_token), { scope: 'launch patient/Task.rs' });
    expect(await wide.json()).toMatchObject({ error: 'invalid_scope' });
    const narrow = await refresh(String(first.refresh_token), {
      scope: 'launch patient/Patient.r online_access',
    });
    expect(await narrow.json()).toMatchObject({ scope: 'launch patient/Patient.r online_access' });
  });

  it('an online_access refresh token expires after 12 hours', async () => {
    const first = await tokens();
    tick(LIFETIME.onlineRefreshToken);
    expect(await (await refresh(String(first.refresh_token))).json()).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('only the client it was issued to may use it; an access token is not a refresh token', async () => {
    const first = await tokens();
    const other = await refresh(String(first.refresh_token), {
      client_id: CONFIDENTIAL_TEST_CLIENT_ID,
      client_secret: CONFIDENTIAL_TEST_CLIENT_SECRET,
    });
    expect(await other.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await refresh(String(first.access_token))).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect(
      await (
        await postForm('/auth/token', { grant_type: 'refresh_token', client_id: FITNOTE_PROMPT_CLIENT_ID })
      ).json(),
    ).toMatchObject({
      error: 'invalid_request',
    });
  });
});

describe('introspection (RFC 7662)', () => {
  it('describes an active access token with the SMART fields', async () => {
    const body = await tokens();
    const info = await introspect(String(body.access_token));
    const iat = Math.floor(nowMs / 1000);
    expect(info).toEqual({
      active: true,
      scope: GRANTED,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      exp: iat + 3600,
      iat,
      iss: fhirBase,
      aud: fhirBase,
      sub: 'Practitioner/gp-2',
      fhirUser: `${fhirBase}/Practitioner/gp-2`,
      token_type: 'Bearer',
      patient: 'peter',
      encounter: 'peter-enc-1',
      need_patient_banner: false,
      smart_style_url: 'http://127.0.0.1/smart-style.json',
      fhirContext: [{ reference: 'Observation/peter-fitnote-3', role: 'launch' }],
    });
  });

  it('describes an active refresh token without a token_type', async () => {
    const info = await introspect(String((await tokens()).refresh_token));
    expect(info.active).toBe(true);
    expect(info).not.toHaveProperty('token_type');
  });

  it('an expired token is inactive', async () => {
    const body = await tokens();
    tick(LIFETIME.accessToken - 1);
    expect((await introspect(String(body.access_token))).active).toBe(true);
    tick(1);
    expect(await introspect(String(body.access_token))).toEqual({ active: false });
    expect(verifyAccessToken(String(body.access_token))).toBeUndefined();
  });

  it('an unknown token is inactive; no token is a bad request', async () => {
    expect(await introspect('nothing')).toEqual({ active: false });
    const res = await postForm('/auth/introspect', {}, basic(HUB_CLIENT.id, HUB_CLIENT.secret));
    expect(res.status).toBe(400);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong secret', basic(HUB_CLIENT.id, 'not-the-secret')],
    ['an unregistered client', basic('someone-else', HUB_CLIENT.secret)],
    ['the app (a public client) by its id', basic(FITNOTE_PROMPT_CLIENT_ID, '')],
    ['Bearer instead of Basic', { Authorization: 'Bearer whatever' }],
    ['Basic that is not id:secret', { Authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }],
  ])(
    'refuses a caller with %s: 401 invalid_client with WWW-Authenticate Basic, telling nothing of the token',
    async (_, headers) => {
      const body = await tokens();
      const res = await postForm('/auth/introspect', { token: String(body.access_token) }, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
      const json = (await res.json()) as Record<string, unknown>;
      expect(json.error).toBe('invalid_client');
      expect(json).not.toHaveProperty('active');
      expect(String(json.error_description)).toMatch(/introspection client/);
    },
  );
});

describe('revocation (RFC 7009)', () => {
  const revoke = (token: string, client_id = FITNOTE_PROMPT_CLIENT_ID) =>
    postForm('/auth/revoke', { token, client_id });

  it('revoking an access token ends it alone', async () => {
    const body = await tokens();
    const res = await revoke(String(body.access_token));
    expect(res.status).toBe(200);
    expect(await introspect(String(body.access_token))).toEqual({ active: false });
    expect(verifyAccessToken(String(body.access_token))).toBeUndefined();
    expect((await introspect(String(body.refresh_token))).active).toBe(true);
  });

  it('revoking a refresh token ends the grant and its access tokens', async () => {
    const body = await tokens();
    expect((await revoke(String(body.refresh_token))).status).toBe(200);
    expect(await introspect(String(body.access_token))).toEqual({ active: false });
    expect(await introspect(String(body.refresh_token))).toEqual({ active: false });
  });

  it('an unknown token → 200; a token of another client → unauthorized_client; no client → invalid_client', async () => {
    expect((await revoke('nothing')).status).toBe(200);
    const body = await tokens();
    const other = await postForm('/auth/revoke', {
      token: String(body.access_token),
      client_id: CONFIDENTIAL_TEST_CLIENT_ID,
      client_secret: CONFIDENTIAL_TEST_CLIENT_SECRET,
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: 'unauthorized_client' });
    const anonymous = await postForm('/auth/revoke', { token: String(body.access_token) });
    expect(anonymous.status).toBe(401);
    expect((await introspect(String(body.access_token))).active).toBe(true);
  });
});

describe('verifyAccessToken', () => {
  it('gives what the FHIR server needs', async () => {
    const body = await tokens();
    expect(verifyAccessToken(String(body.access_token))).toEqual({
      active: true,
      scope: GRANTED,
      patient: 'peter',
      encounter: 'peter-enc-1',
      fhirUser: `${fhirBase}/Practitioner/gp-2`,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      exp: Math.floor(nowMs / 1000) + 3600,
      iat: Math.floor(nowMs / 1000),
      sub: 'Practitioner/gp-2',
      aud: fhirBase,
    });
  });
  it('refuses refresh tokens and unknown tokens', async () => {
    const body = await tokens();
    expect(verifyAccessToken(String(body.refresh_token))).toBeUndefined();
    expect(verifyAccessToken('unknown')).toBeUndefined();
  });
});

describe('simulated errors', () => {
  it('invalid_scope: tokens with fewer scopes than asked, and no refresh', async () => {
    setSimulatedError('invalid_scope');
    const body = await tokens();
    expect(body.scope).toBe(
      'launch openid fhirUser patient/Patient.r patient/Observation.rs patient/Condition.read',
    );
    expect(body.refresh_token).toBeUndefined();
    expect((await introspect(String(body.access_token))).scope).toBe(body.scope);
  });

  it('expired_token: access tokens already expired', async () => {
    setSimulatedError('expired_token');
    const body = await tokens();
    expect(body.expires_in).toBe(0);
    expect(await introspect(String(body.access_token))).toEqual({ active: false });
    expect(verifyAccessToken(String(body.access_token))).toBeUndefined();
  });

  it('access_denied: authorize redirects with error=access_denied and state', async () => {
    setSimulatedError('access_denied');
    const to = location(await get(`/auth/authorize?${authorizeParams()}`));
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('state')).toBe('state-123');
  });

  it('server_error: the token endpoint answers 500 with an OAuth error', async () => {
    const code = await getCode();
    setSimulatedError('server_error');
    const res = await exchange(code);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: 'server_error' });
    setSimulatedError(undefined);
    expect((await exchange(code)).status).toBe(200);
  });

  const simulate = (body: string) =>
    fetch(`${origin}/auth/simulate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });

  it.each(SIMULATED_ERRORS)('POST /auth/simulate sets %s; null clears it', async (kind) => {
    const res = await simulate(JSON.stringify({ error: kind }));
    expect(await res.json()).toEqual({ error: kind });
    expect(getSimulatedError()).toBe(kind);
    expect(await (await get('/auth/simulate')).json()).toEqual({ error: kind });
    await simulate('{"error":null}');
    expect(getSimulatedError()).toBeUndefined();
  });

  it.each(['{"error":"bogus"}', '{}', 'not json'])('POST /auth/simulate %s → 400', async (body) => {
    const res = await simulate(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('resetSmartAuth', () => {
  it('forgets tokens and the simulated error', async () => {
    const body = await tokens();
    setSimulatedError('server_error');
    resetSmartAuth();
    expect(verifyAccessToken(String(body.access_token))).toBeUndefined();
    expect(getSimulatedError()).toBeUndefined();
    // restore the fake clock for later tests in this file
    smartHandler({ baseUrl: origin, now: () => nowMs });
  });
});
