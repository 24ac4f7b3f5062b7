import { indexPage, main, SIMULATED_ERROR_WORDS, startSandbox } from './server.js';
import { getSimulatedError, SIMULATED_ERRORS, setSimulatedError } from './smartAuth.js';

describe('indexPage', () => {
  it('links to the CapabilityStatement, the SMART configuration and the patients', () => {
    const html = indexPage('http://localhost:8080');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('href="/fhir/metadata"');
    expect(html).toContain('href="/fhir/.well-known/smart-configuration"');
    expect(html).toContain('href="/fhir/Patient/peter"');
  });

  it('escapes the origin it shows', () => {
    expect(indexPage('http://<script>')).not.toContain('<script>');
  });

  it('links the hub’s provider inbox and IT lead console when the hub runs, and says the hub delivers', () => {
    const html = indexPage('http://localhost:8080', { hubUrl: 'http://127.0.0.1:8081' });
    expect(html).toContain('href="http://127.0.0.1:8081/inbox/"');
    expect(html).toContain('href="http://127.0.0.1:8081/admin/"');
    expect(html).toContain('where the hub delivers referrals');
    expect(indexPage('http://localhost:8080')).not.toContain('/inbox/');
  });

  it.each([undefined, ...SIMULATED_ERRORS])('the simulated-error form shows %s as on', (on) => {
    const html = indexPage('http://localhost:8080', { simulated: on });
    const checked = [...html.matchAll(/name="error" value="([a-z_]+)" checked/g)].map((m) => m[1]);
    expect(checked).toEqual([on ?? 'none']);
    expect(html).toContain(on ? `On now: ${SIMULATED_ERROR_WORDS[on]}` : 'None is on');
    for (const e of SIMULATED_ERRORS) expect(html).toContain(`value="${e}"`);
  });
});

describe('startSandbox and main refuse bad settings in plain English', () => {
  it.each([
    [{ host: '0.0.0.0' }, 'listens on this computer only'],
    [{ host: '127.0.0.1', today: '21/11/2026' }, 'not a calendar date'],
  ])('%j', async (options, text) => {
    await expect(startSandbox({ port: 0, ...options })).rejects.toThrow(text);
  });

  it.each([
    [[], { PORT: 'eighty' }, 'not a port number'],
    [['--port', '70000'], {}, 'not a port number'],
    [['--latency', 'slow'], {}, 'not a whole number of milliseconds'],
  ])('main(%j, %j)', async (argv, env, text) => {
    await expect(main(argv, env)).rejects.toThrow(text);
  });
});

describe('a running sandbox', () => {
  it('starts on a free port, answers the index, the FHIR base and SMART discovery, and closes', async () => {
    const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21', open: true });
    try {
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.fhirBaseUrl).toBe(`${sandbox.url}/fhir`);
      expect((await fetch(`${sandbox.url}/`)).status).toBe(200);
      expect((await fetch(`${sandbox.fhirBaseUrl}/Patient/peter`)).status).toBe(200);
      const discovery = await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`);
      expect(discovery.status).toBe(200);
      expect(((await discovery.json()) as { token_endpoint: string }).token_endpoint).toBe(
        `${sandbox.url}/auth/token`,
      );
      const missing = await fetch(`${sandbox.url}/nowhere`);
      expect(missing.status).toBe(404);
      const text = await missing.text();
      expect(text).toContain('nothing at /nowhere');
      for (const served of [
        '/ehr/',
        '/fhir',
        '/auth/',
        '/app/',
        '/launch/',
        '/config/A99999.json',
        '/providers/',
        '/oidc/',
      ])
        expect(text).toContain(served);
    } finally {
      await sandbox.close();
    }
  });
});

describe('the index page switches simulated errors (POST /simulate)', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21', hub: false });
  });
  afterAll(async () => {
    setSimulatedError(undefined);
    await sandbox.close();
  });
  const send = (error: string, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.url}/simulate`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: sandbox.url, ...headers },
      body: new URLSearchParams({ error }).toString(),
    });

  it.each(SIMULATED_ERRORS)('switches %s on, the index shows it, none switches it off', async (error) => {
    const on = await send(error);
    expect(on.status).toBe(303);
    expect(on.headers.get('location')).toBe('/#simulated-errors');
    expect(getSimulatedError()).toBe(error);
    expect(await (await fetch(`${sandbox.url}/`)).text()).toContain(`value="${error}" checked`);
    expect((await send('none')).status).toBe(303);
    expect(getSimulatedError()).toBeUndefined();
  });

  it.each<[string, string, Record<string, string>, number]>([
    ['an unknown error', 'bogus', {}, 400],
    ['another site', 'server_error', { origin: 'http://evil.example' }, 403],
    ['a cross-site fetch', 'server_error', { 'sec-fetch-site': 'cross-site' }, 403],
    ['JSON', 'server_error', { 'content-type': 'application/json' }, 415],
  ])('refuses %s and changes nothing', async (_, error, headers, status) => {
    expect((await send(error, headers)).status).toBe(status);
    expect(getSimulatedError()).toBeUndefined();
  });

  it('refuses GET', async () => {
    expect((await fetch(`${sandbox.url}/simulate`)).status).toBe(405);
  });
});
