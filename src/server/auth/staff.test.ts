import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { HubError } from '../errors.js';
import {
  requireItLead,
  requireProviderStaff,
  type StaffContext,
  StaffTokenChecker,
  staffAgent,
  staffContextOf,
} from './staff.js';

const AUDIENCE = 'urn:fitnote-prompt:hub';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface Issuer {
  url: string;
  /** The keys the JWKS endpoint publishes (public parts). */
  published: JWK[];
  /** Requests seen, by path. */
  hits: string[];
  /** What the server does: serve, answer 500, or hang up. */
  mode: 'ok' | 'error' | 'jwks-error' | 'no-jwks-uri';
  server: Server;
}

let issuer: Issuer;
let key: KeyPair;
const KID = 'key-1';

async function startIssuer(): Promise<Issuer> {
  const state: Partial<Issuer> = { published: [], hits: [], mode: 'ok' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x.invalid').pathname;
    state.hits?.push(path);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.mode === 'error') return json(500, { error: 'down' });
    if (path === '/oidc/.well-known/openid-configuration') {
      return json(200, {
        issuer: state.url,
        ...(state.mode === 'no-jwks-uri' ? {} : { jwks_uri: `${state.url}/jwks` }),
      });
    }
    if (path === '/oidc/jwks') {
      if (state.mode === 'jwks-error') return json(503, { error: 'down' });
      return json(200, { keys: state.published });
    }
    return json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  state.server = server;
  return state as Issuer;
}

async function publicJwk(pair: KeyPair, kid: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
}

const STAFF_CLAIMS = {
  name: 'Referral coordinator, Synthetic OH (synthetic)',
  fitnote_role: 'provider-staff',
  fitnote_provider: 'local-oh-service',
};

async function sign(
  claims: JWTPayload = STAFF_CLAIMS,
  options: {
    key?: KeyPair['privateKey'];
    kid?: string;
    iss?: string;
    aud?: string;
    exp?: string | number;
  } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KID, typ: 'at+jwt' })
    .setIssuer(options.iss ?? issuer.url)
    .setAudience(options.aud ?? AUDIENCE)
    .setSubject('coordinator-local-oh-service')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '1h')
    .sign(options.key ?? key.privateKey);
}

function checker(timeoutMs = 2_000): StaffTokenChecker {
  return new StaffTokenChecker({ issuer: issuer.url, audience: AUDIENCE, timeoutMs });
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HubError);
  return error as HubError;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  issuer = await startIssuer();
  key = await generateKeyPair('RS256');
});

beforeEach(async () => {
  issuer.mode = 'ok';
  issuer.hits.length = 0;
  issuer.published = [await publicJwk(key, KID)];
});

afterEach(() => jest.restoreAllMocks());

afterAll(async () => {
  issuer.server.closeAllConnections();
  await new Promise((resolve) => issuer.server.close(resolve));
});

describe('StaffTokenChecker', () => {
  it('accepts a valid token: the staff context from its claims, discovery and keys fetched once', async () => {
    const check = checker();
    const token = await sign();
    const staff = await check.authenticate(bearer(token));
    expect(staff).toEqual({
      sub: 'coordinator-local-oh-service',
      name: STAFF_CLAIMS.name,
      role: 'provider-staff',
      providerId: 'local-oh-service',
    });
    await check.authenticate(bearer(token));
    expect(issuer.hits).toEqual(['/oidc/.well-known/openid-configuration', '/oidc/jwks']);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['expired', () => sign(STAFF_CLAIMS, { exp: Math.floor(Date.now() / 1000) - 120 }), /has expired/],
    ['from another issuer', () => sign(STAFF_CLAIMS, { iss: 'http://127.0.0.1:1/other' }), /not valid here/],
    ['for another audience', () => sign(STAFF_CLAIMS, { aud: 'urn:something-else' }), /not valid here/],
    [
      'signed with another key under the published key id',
      async () => sign(STAFF_CLAIMS, { key: (await generateKeyPair('RS256')).privateKey }),
      /not valid here/,
    ],
    [
      'signed with HS256 (a shared secret)',
      () =>
        new SignJWT(STAFF_CLAIMS)
          .setProtectedHeader({ alg: 'HS256', kid: KID })
          .setIssuer(issuer.url)
          .setAudience(AUDIENCE)
          .setSubject('someone')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('a-shared-secret-that-anyone-could-know-32b')),
      /not valid here/,
    ],
    ['not a JWT', async () => 'abc.def.ghi', /not valid here/],
  ])(
    'refuses a token %s with 401, WWW-Authenticate and a plain-English reason',
    async (_name, make, text) => {
      const error = await refusal(checker().authenticate(bearer(await make())));
      expect(error.status).toBe(401);
      expect(error.message).toMatch(text);
      expect(error.message).toMatch(/Sign in again\./);
      expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm=".*", error="invalid_token"/);
    },
  );

  it.each<[Record<string, string>, string]>([
    [{}, 'no Authorization header'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'a Basic header'],
    [{ authorization: 'Bearer' }, 'an empty Bearer'],
  ])('refuses %j (%s) with 401 asking to sign in', async (headers) => {
    const error = await refusal(checker().authenticate(headers));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/no sign-in token/);
  });

  it('fetches the key set again for an unknown key id (the provider rotated its keys)', async () => {
    const check = checker();
    await check.authenticate(bearer(await sign()));
    const next = await generateKeyPair('RS256');
    issuer.published = [await publicJwk(key, KID), await publicJwk(next, 'key-2')];
    // jose refetches for an unknown kid once its 30 s cool-down since the last fetch has passed.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    const staff = await check.authenticate(
      bearer(await sign(STAFF_CLAIMS, { key: next.privateKey, kid: 'key-2' })),
    );
    expect(staff.providerId).toBe('local-oh-service');
    expect(issuer.hits.filter((h) => h === '/oidc/jwks')).toHaveLength(2);
  });

  it('refuses an unknown key id that the refetched key set does not have either', async () => {
    const other = await generateKeyPair('RS256');
    const error = await refusal(
      checker().authenticate(bearer(await sign(STAFF_CLAIMS, { key: other.privateKey, kid: 'nobody' }))),
    );
    expect(error.status).toBe(401);
  });

  it.each<[string, JWTPayload, RegExp]>([
    ['no role', { name: 'X (synthetic)' }, /no role at the referral hub/],
    ['an unknown role', { fitnote_role: 'admin' }, /no role at the referral hub/],
    ['provider staff without a provider', { fitnote_role: 'provider-staff' }, /not linked to a provider/],
    [
      'an IT lead without a practice',
      { fitnote_role: 'it-lead', fitnote_provider: 'x' },
      /not linked to a practice/,
    ],
  ])('answers 403 for a valid token with %s', async (_name, claims, text) => {
    const error = await refusal(checker().authenticate(bearer(await sign(claims))));
    expect(error.status).toBe(403);
    expect(error.message).toMatch(text);
  });

  it.each<[Issuer['mode'], RegExp]>([
    ['error', /cannot reach the sign-in service .*it answered 500.* Try again in a minute/],
    ['jwks-error', /could not fetch the sign-in service’s keys .* Try again in a minute/],
    ['no-jwks-uri', /names no jwks_uri/],
  ])('answers 503 with a clear message when the issuer is %s', async (mode, text) => {
    issuer.mode = mode;
    const error = await refusal(checker().authenticate(bearer(await sign())));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(text);
  });

  it('answers 503 when nothing listens at the issuer, and recovers once it does', async () => {
    const down = new StaffTokenChecker({
      issuer: 'http://127.0.0.1:1/oidc',
      audience: AUDIENCE,
      timeoutMs: 1_000,
    });
    const error = await refusal(down.authenticate(bearer(await sign())));
    expect(error.status).toBe(503);
    expect(error.headers['Retry-After']).toBe('30');
    expect(error.message).toMatch(
      /^The hub cannot reach the sign-in service \(http:\/\/127\.0\.0\.1:1\/oidc/,
    );
    // A failed discovery is not remembered: the next request tries again.
    issuer.mode = 'error';
    const check = checker();
    expect((await refusal(check.authenticate(bearer(await sign())))).status).toBe(503);
    issuer.mode = 'ok';
    expect((await check.authenticate(bearer(await sign()))).role).toBe('provider-staff');
  });
});

describe('staffContextOf and the role checks', () => {
  const staff: StaffContext = { sub: 's', name: 'S', role: 'provider-staff', providerId: 'p' };
  const lead: StaffContext = { sub: 'l', name: 'L', role: 'it-lead', practiceOds: 'A99999' };

  it('reads an IT lead (ODS upper-cased) and falls back to sub for a missing name', () => {
    expect(staffContextOf({ sub: 'l', fitnote_role: 'it-lead', fitnote_practice: ' a99999 ' })).toEqual({
      sub: 'l',
      name: 'l',
      role: 'it-lead',
      practiceOds: 'A99999',
    });
  });

  it.each<[string, () => unknown, number | string]>([
    ['requireProviderStaff(provider staff)', () => requireProviderStaff(staff), 'p'],
    ['requireProviderStaff(IT lead)', () => requireProviderStaff(lead), 403],
    ['requireItLead(IT lead)', () => requireItLead(lead), 'A99999'],
    ['requireItLead(provider staff)', () => requireItLead(staff), 403],
  ])('%s', (_name, run, expected) => {
    if (typeof expected === 'string') {
      expect(run()).toBe(expected);
    } else {
      expect(run).toThrow(expect.objectContaining({ status: expected }));
    }
  });

  it('names a staff member in the audit by subject', () => {
    expect(staffAgent(staff)).toBe('staff:s');
  });
});
