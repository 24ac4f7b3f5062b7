import { indexPage, main, startSandbox } from './server.js';

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
      expect(await missing.text()).toContain('nothing at /nowhere');
    } finally {
      await sandbox.close();
    }
  });
});
