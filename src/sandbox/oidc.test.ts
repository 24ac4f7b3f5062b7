import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { staffAuthorize, staffSignIn } from '../../tests/integration/staffSignIn.js';
import { StaffTokenChecker } from '../server/auth/staff.js';
import { createSandboxOidc, type SandboxOidc, sandboxStaffAccounts, signInPage } from './oidc.js';

const DIRECTORY = {
  providers: [
    { id: 'oh-one', name: 'Synthetic Occupational Health' },
    { id: 'coach-two', name: 'Synthetic Work Coaching' },
    { id: 42, name: 'not an entry' },
  ],
};
const HUB = 'http://127.0.0.1:9';

let server: Server;
let oidc: SandboxOidc;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x.invalid');
    void oidc.handle(req, res, url).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  oidc = await createSandboxOidc({
    origin,
    hubUrl: HUB,
    accounts: sandboxStaffAccounts(DIRECTORY, { odsCode: 'A99999', name: 'Synthetic Practice' }),
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('sandboxStaffAccounts', () => {
  it('makes one IT lead and one coordinator per usable directory entry, names marked synthetic', () => {
    const accounts = sandboxStaffAccounts(DIRECTORY, { odsCode: 'A99999', name: 'Synthetic Practice' });
    expect(accounts.map((a) => [a.id, a.role, a.providerId ?? a.practiceOds])).toEqual([
      ['it-lead-a99999', 'it-lead', 'A99999'],
      ['coordinator-oh-one', 'provider-staff', 'oh-one'],
      ['coordinator-coach-two', 'provider-staff', 'coach-two'],
    ]);
    for (const a of accounts) expect(a.name).toMatch(/\(synthetic\)$/);
  });
});

describe('the sandbox OpenID provider', () => {
  it('publishes discovery with the issuer under /oidc, S256 only, and open CORS on keys', async () => {
    const response = await fetch(`${origin}/oidc/.well-known/openid-configuration`, {
      headers: { Origin: 'http://example.test' },
    });
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(`${origin}/oidc`);
    expect(doc.jwks_uri).toBe(`${origin}/oidc/jwks`);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'fitnote']));
    const jwks = (await (await fetch(doc.jwks_uri as string)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it.each([
    ['provider-inbox', 'coordinator-oh-one', { fitnote_role: 'provider-staff', fitnote_provider: 'oh-one' }],
    ['it-lead-console', 'it-lead-a99999', { fitnote_role: 'it-lead', fitnote_practice: 'A99999' }],
  ])(
    '%s: code flow with PKCE gives a JWT access token for the hub with the staff claims (%s)',
    async (clientId, account, claims) => {
      const tokens = await staffSignIn({ oidc }, account, { clientId });
      const keys = createRemoteJWKSet(new URL(`${origin}/oidc/jwks`));
      const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, keys, {
        issuer: `${origin}/oidc`,
        audience: 'urn:fitnote-prompt:hub',
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({
        sub: account,
        client_id: clientId,
        name: expect.stringMatching(/synthetic/),
        ...claims,
      });
      // The ID token carries the claims too (scope fitnote).
      expect(decodeJwt(tokens.idToken)).toMatchObject({ sub: account, aud: clientId, ...claims });
      // And the hub's own checker takes it.
      const checker = new StaffTokenChecker({ issuer: `${origin}/oidc`, audience: 'urn:fitnote-prompt:hub' });
      const staff = await checker.authenticate({ authorization: `Bearer ${tokens.accessToken}` });
      expect(staff.sub).toBe(account);
    },
  );

  it.each([
    ['a wrong PKCE verifier', (v: string) => `${v.slice(0, -2)}xx`],
    ['no PKCE verifier', () => undefined],
  ])(
    'refuses the code with %s (invalid_grant), and a code used once cannot be used again',
    async (_name, verifierFor) => {
      const { redirect, verifier, redirectUri, clientId } = await staffAuthorize(
        { oidc },
        'coordinator-oh-one',
      );
      const exchange = (codeVerifier: string | undefined) =>
        fetch(`${origin}/oidc/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: redirect.searchParams.get('code') as string,
            redirect_uri: redirectUri,
            client_id: clientId,
            ...(codeVerifier === undefined ? {} : { code_verifier: codeVerifier }),
          }).toString(),
        });
      const refused = await exchange(verifierFor(verifier));
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toMatch(/invalid_grant|invalid_request/);
      // A code that met a wrong verifier is spent (or at least never gives two token sets).
      const first = await exchange(verifier);
      const second = await exchange(verifier);
      expect([first.status, second.status].filter((s) => s === 200).length).toBeLessThanOrEqual(1);
      expect(second.status).toBe(400);
    },
  );

  it('cancel on the sign-in page returns access_denied to the client', async () => {
    const { redirect } = await staffAuthorize({ oidc }, 'coordinator-oh-one', { cancel: true });
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('refuses a request without PKCE (public clients must use S256)', async () => {
    const url = new URL(`${origin}/oidc/auth`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'provider-inbox',
      redirect_uri: `${HUB}/inbox/`,
      scope: 'openid fitnote',
      state: 's',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') as string);
    expect(location.href.startsWith(`${HUB}/inbox/`)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses an unknown redirect URI with a plain-English page, not a redirect', async () => {
    const url = new URL(`${origin}/oidc/auth`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'provider-inbox',
      redirect_uri: 'http://evil.example/cb',
      scope: 'openid fitnote',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const text = await response.text();
    expect(text).toContain('The page that asked you to sign in is not one this sign-in service knows');
    expect(text).toContain('sign in again');
  });

  it('allows the hub origin (not others) to call the token endpoint from a browser', async () => {
    const preflight = (o: string) =>
      fetch(`${origin}/oidc/token`, {
        method: 'OPTIONS',
        headers: { Origin: o, 'Access-Control-Request-Method': 'POST' },
      });
    const ok = await preflight(HUB);
    expect(ok.headers.get('access-control-allow-origin')).toBe(HUB);
    const tokenCall = await fetch(`${origin}/oidc/token`, {
      method: 'POST',
      headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=x&client_id=provider-inbox&redirect_uri=x&code_verifier=x',
    });
    expect(tokenCall.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shows the accounts as "Sign in as" buttons with a Cancel, IT leads first for the console', () => {
    const accounts = sandboxStaffAccounts(DIRECTORY, { odsCode: 'A99999', name: 'Synthetic Practice' });
    const html = signInPage({ action: '/oidc/interaction/x', clientId: 'it-lead-console', accounts });
    expect(html.indexOf('Practice IT leads')).toBeLessThan(html.indexOf('Provider staff'));
    expect(html).toContain('Sign in as Referral coordinator, Synthetic Occupational Health (synthetic)');
    expect(html).toContain('value="deny">Cancel</button>');
  });
});
