/**
 * RFC 7662 §2.1 on the running sandbox: token introspection answers only a registered resource
 * server authenticating with HTTP Basic. The sandbox registers its hub with a secret made up at start
 * (or HUB_INTROSPECTION_* when given), and the hub it starts checks GP tokens with those credentials.
 */
import { launchAsApp } from '../../src/sandbox/appLaunch.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';

jest.setTimeout(30_000);

let sandbox: RunningSandbox;
let token = '';

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
  token = (await launchAsApp(sandbox, 'peter')).access_token;
});

afterAll(async () => {
  await sandbox?.close();
});

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const introspect = (authorization?: string) =>
  fetch(`${sandbox.url}/auth/introspect`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { Authorization: authorization }),
    },
    body: new URLSearchParams({ token }).toString(),
  });

describe('POST /auth/introspect on the sandbox', () => {
  it.each([
    ['no credentials', () => undefined],
    ['the wrong secret', () => basic(sandbox.introspectionClient.id, 'guessed-secret')],
    ['an unregistered client', () => basic('somebody', sandbox.introspectionClient.secret)],
    ['the app’s own client id', () => basic('fitnote-prompt', '')],
  ])('refuses %s with 401 and WWW-Authenticate: Basic', async (_, auth) => {
    const res = await introspect(auth());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_client');
    expect(body).not.toHaveProperty('active');
  });

  it('describes the token to the registered client (the hub’s credentials, a generated secret)', async () => {
    expect(sandbox.introspectionClient.id).toBe('fitnote-hub');
    expect(sandbox.introspectionClient.secret.length).toBeGreaterThanOrEqual(32);
    const res = await introspect(basic(sandbox.introspectionClient.id, sandbox.introspectionClient.secret));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: true, patient: 'peter', client_id: 'fitnote-prompt' });
  });

  it('the hub started alongside checks GP tokens with those credentials', async () => {
    const hubUrl = sandbox.hub?.url ?? '';
    const res = await fetch(`${hubUrl}/config/A99999.json`, {
      headers: { Authorization: `Bearer ${token}`, 'X-EHR-FHIR-Base': sandbox.fhirBaseUrl },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('rules');
  });
});

describe('a sandbox given HUB_INTROSPECTION_* registers those for its hub', () => {
  it('uses the given id and secret', async () => {
    const given = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      today: '2026-11-21',
      hub: { env: { HUB_INTROSPECTION_CLIENT_ID: 'my-hub', HUB_INTROSPECTION_CLIENT_SECRET: 'my secret' } },
    });
    try {
      expect(given.introspectionClient).toEqual({ id: 'my-hub', secret: 'my secret' });
      const gpToken = (await launchAsApp(given, 'john')).access_token;
      const res = await fetch(`${given.hub?.url}/config/A99999.json`, {
        headers: { Authorization: `Bearer ${gpToken}`, 'X-EHR-FHIR-Base': given.fhirBaseUrl },
      });
      expect(res.status).toBe(200);
    } finally {
      await given.close();
    }
  });
});
