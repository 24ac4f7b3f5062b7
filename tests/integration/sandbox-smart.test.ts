/**
 * The whole SMART EHR launch against the sandbox authorization server over real HTTP, as a browser
 * app does it: the EHR creates a launch and opens the app with ?launch=&iss=; the app discovers the
 * endpoints from iss, authorizes with PKCE S256 and state, the clinician picks who they are, the app
 * exchanges the code, reads the launch context, and a resource server checks the token. Then refresh
 * (rotated), introspection and revocation. The handler is mounted on a bare node:http server beside a
 * stand-in FHIR endpoint that accepts a request only with a valid bearer token (via verifyAccessToken).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLaunch,
  FITNOTE_PROMPT_CLIENT_ID,
  resetSmartAuth,
  smartHandler,
  verifyAccessToken,
} from '../../src/sandbox/smartAuth.js';
import { verifyJwt } from '../../src/sandbox/smartAuthJwt.js';

let server: Server;
let origin = '';
/** The resource server registered to introspect tokens (RFC 7662 §2.1). */
const RESOURCE_SERVER = { id: 'resource-server', secret: 'resource-server-secret' };

beforeAll(async () => {
  resetSmartAuth();
  let handler: ReturnType<typeof smartHandler> = async () => false;
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (await handler(req, res, url)) return;
    if (url.pathname === '/fhir/Patient/peter') {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const info = bearer === undefined ? undefined : verifyAccessToken(bearer);
      if (info === undefined) {
        res.writeHead(401, { 'Content-Type': 'application/fhir+json' });
        res.end(
          JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Patient', id: info.patient }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handler = smartHandler({ baseUrl: origin, introspectionClients: [RESOURCE_SERVER] });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const form = (body: Record<string, string>) => ({
  method: 'POST',
  redirect: 'manual' as const,
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body).toString(),
});

/** The picker's form: its action and every input, as a browser would submit it. */
function readForm(html: string): { action: string; hidden: [string, string][]; choices: string[] } {
  const decode = (s: string) =>
    s
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1] ?? '';
  const hidden = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
    (m) => [decode(m[1] ?? ''), decode(m[2] ?? '')] as [string, string],
  );
  const choices = [...html.matchAll(/name="clinician" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  return { action: decode(action), hidden, choices };
}

describe('SMART EHR launch, end to end over HTTP', () => {
  it('launch → authorize → pick clinician → code → token → FHIR read → introspect → refresh → revoke', async () => {
    // 1. The EHR opens the app with launch and iss.
    const launch = createLaunch({
      patient: 'peter',
      encounter: 'peter-consultation',
      fhirUser: 'Practitioner/gp-1',
      needPatientBanner: false,
      smartStyleUrl: `${origin}/ehr/smart-style.json`,
    });
    const launchUrl = new URL(`${origin}/app/launch`);
    launchUrl.searchParams.set('iss', `${origin}/fhir`);
    launchUrl.searchParams.set('launch', launch);
    const iss = launchUrl.searchParams.get('iss') ?? '';

    // 2. The app discovers the endpoints.
    const config = (await (await fetch(`${iss}/.well-known/smart-configuration`)).json()) as Record<
      string,
      string
    > & {
      code_challenge_methods_supported: string[];
    };
    expect(config.code_challenge_methods_supported).toEqual(['S256']);

    // 3. Authorize with PKCE and state.
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(16).toString('base64url');
    const redirectUri = `${origin}/app/`;
    const scope =
      'launch openid fhirUser online_access patient/Patient.r patient/Observation.rs patient/ServiceRequest.cu patient/Task.cu patient/Consent.c';
    const authUrl = new URL(config.authorization_endpoint ?? '');
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      redirect_uri: redirectUri,
      scope,
      state,
      aud: iss,
      launch: launchUrl.searchParams.get('launch') ?? '',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      nonce: 'n-0S6_WzA2Mj',
    })) {
      authUrl.searchParams.set(k, v);
    }
    const picker = await fetch(authUrl, { redirect: 'manual' });
    expect(picker.status).toBe(200);

    // 4. The clinician picks who they are and continues.
    const page = readForm(await picker.text());
    expect(page.choices).toEqual(['gp-1', 'gp-2', 'physio-1']);
    const submission = new URLSearchParams(page.hidden);
    submission.set('clinician', 'gp-1');
    submission.set('decision', 'allow');
    const back = await fetch(new URL(page.action, origin), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: submission.toString(),
    });
    expect(back.status).toBe(303);
    const returned = new URL(back.headers.get('location') ?? '');
    expect(`${returned.origin}${returned.pathname}`).toBe(redirectUri);
    expect(returned.searchParams.get('state')).toBe(state);
    const code = returned.searchParams.get('code') ?? '';

    // 5. The app exchanges the code.
    const tokenRes = await fetch(
      config.token_endpoint ?? '',
      form({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: FITNOTE_PROMPT_CLIENT_ID,
        code_verifier: verifier,
      }),
    );
    expect(tokenRes.status).toBe(200);
    expect(tokenRes.headers.get('cache-control')).toBe('no-store');
    const token = (await tokenRes.json()) as Record<string, string | number | boolean>;
    expect(token).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope,
      patient: 'peter',
      encounter: 'peter-consultation',
      need_patient_banner: false,
      smart_style_url: `${origin}/ehr/smart-style.json`,
    });
    const jwks = (await (await fetch(config.jwks_uri ?? '')).json()) as { keys: { n: string; e: string }[] };
    expect(verifyJwt(String(token.id_token), jwks.keys[0] ?? { n: '', e: '' })).toMatchObject({
      iss,
      aud: FITNOTE_PROMPT_CLIENT_ID,
      fhirUser: `${iss}/Practitioner/gp-1`,
      nonce: 'n-0S6_WzA2Mj',
    });

    // 6. The resource server accepts the token.
    const read = (accessToken: string) =>
      fetch(`${iss}/Patient/${token.patient}`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect((await read(String(token.access_token))).status).toBe(200);

    // 7. Introspection.
    const introspect = async (t: string) =>
      (await (
        await fetch(config.introspection_endpoint ?? '', {
          ...form({ token: t }),
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Authorization: `Basic ${Buffer.from(`${RESOURCE_SERVER.id}:${RESOURCE_SERVER.secret}`).toString('base64')}`,
          },
        })
      ).json()) as Record<string, unknown>;
    expect(await introspect(String(token.access_token))).toMatchObject({
      active: true,
      scope,
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      patient: 'peter',
      fhirUser: `${iss}/Practitioner/gp-1`,
      token_type: 'Bearer',
    });

    // 8. Refresh: new tokens, the old refresh token no longer works.
    const refreshRes = await fetch(
      config.token_endpoint ?? '',
      form({
        grant_type: 'refresh_token',
        refresh_token: String(token.refresh_token),
        client_id: FITNOTE_PROMPT_CLIENT_ID,
      }),
    );
    expect(refreshRes.status).toBe(200);
    const refreshed = (await refreshRes.json()) as Record<string, string>;
    expect(refreshed.access_token).not.toBe(token.access_token);
    expect(refreshed.refresh_token).not.toBe(token.refresh_token);
    expect((await read(refreshed.access_token ?? '')).status).toBe(200);

    // 9. Revoke the refresh token: the grant ends, so its access tokens stop working.
    const revoked = await fetch(
      config.revocation_endpoint ?? '',
      form({ token: refreshed.refresh_token ?? '', client_id: FITNOTE_PROMPT_CLIENT_ID }),
    );
    expect(revoked.status).toBe(200);
    expect(await introspect(refreshed.access_token ?? '')).toEqual({ active: false });
    const refused = await read(refreshed.access_token ?? '');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('a simulated access_denied comes back to the app as an OAuth error with its state', async () => {
    await fetch(`${origin}/auth/simulate`, {
      method: 'POST',
      body: JSON.stringify({ error: 'access_denied' }),
    });
    const launch = createLaunch({
      patient: 'cathy',
      fhirUser: 'Practitioner/gp-2',
      needPatientBanner: true,
      smartStyleUrl: `${origin}/ehr/smart-style.json`,
    });
    const authUrl = new URL(`${origin}/auth/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: FITNOTE_PROMPT_CLIENT_ID,
      redirect_uri: `${origin}/app/`,
      scope: 'launch patient/Patient.r',
      state: 's1',
      aud: `${origin}/fhir`,
      launch,
      code_challenge: createHash('sha256').update('x'.repeat(43)).digest('base64url'),
      code_challenge_method: 'S256',
    })) {
      authUrl.searchParams.set(k, v);
    }
    const res = await fetch(authUrl, { redirect: 'manual' });
    const to = new URL(res.headers.get('location') ?? '');
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('state')).toBe('s1');
    await fetch(`${origin}/auth/simulate`, { method: 'POST', body: JSON.stringify({ error: null }) });
  });
});
