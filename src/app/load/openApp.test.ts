import { readFileSync } from 'node:fs';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { LaunchRegistration } from '../../../launch/registrations.js';
import type { ReadyClient } from '../smart/launch.js';
import { APP_SCOPE } from '../smart/scopes.js';
import { loadContextNaive } from './naive.js';
import { openApp } from './openApp.js';

const BASE = 'http://ehr.test/fhir';
const peter = JSON.parse(readFileSync('examples/records/peter.json', 'utf8')) as Bundle;
const all = (peter.entry ?? []).map((e) => e.resource as Resource);

/** fhirclient's Client as ready() gives it, over an in-memory server that answers every search with all of a type. */
function readyClient(tokenResponse: Record<string, unknown>): ReadyClient {
  return {
    state: { serverUrl: BASE, tokenResponse },
    getFhirUser: () => `${BASE}/Practitioner/gp-1`,
    request: async <T>(options: string | (RequestInit & { url: string })) => {
      const url = new URL(typeof options === 'string' ? options : options.url);
      const [type, id] = url.pathname.replace('/fhir/', '').split('/');
      if (id) return all.find((r) => r.resourceType === type && r.id === id) as T;
      const matches = all.filter((r) => r.resourceType === type);
      const included = type === 'Patient' ? all.filter((r) => r.resourceType === 'Organization') : [];
      return {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [...matches, ...included].map((resource) => ({ resource })),
      } as T;
    },
  };
}

const style = (async () => new Response(JSON.stringify({ color_text: '#333' }))) as typeof fetch;

describe('openApp', () => {
  it('completes the launch, then loads the context and the style', async () => {
    let styled: Record<string, string> | undefined;
    const opened = await openApp({
      onStyle: (vars) => {
        styled = vars;
      },
      launch: {
        ready: async () =>
          readyClient({ scope: APP_SCOPE, patient: 'peter', smart_style_url: 'http://ehr.test/style.json' }),
      },
      load: {
        config: {
          configUrl: 'http://config.test/{ods}.json',
          fetch: async () => new Response('', { status: 404 }),
        },
      },
      fetch: style,
    });
    if ('kind' in opened) throw new Error(opened.detail);
    expect(opened.context.record.notes).toHaveLength(2);
    expect(opened.context.user.reference).toBe('Practitioner/gp-1');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(styled).toEqual({ '--smart-color-text': '#333' });
    expect(opened.session.canWrite).toBe(true);
  });

  it('a launch failure comes back as it is', async () => {
    const opened = await openApp({ launch: { ready: () => Promise.reject(new Error('No state found!')) } });
    expect(opened).toMatchObject({ kind: 'state-lost' });
  });

  it('a load failure comes back classified', async () => {
    const client = readyClient({ scope: APP_SCOPE, patient: 'peter' });
    client.request = async () => {
      throw Object.assign(new Error('401 Unauthorized'), { status: 401 });
    };
    const opened = await openApp({ launch: { ready: async () => client } });
    expect(opened).toMatchObject({ kind: 'token-expired' });
  });

  /** fetch for the config, recording each URL asked for. */
  const configFetch = (asked: string[]) =>
    (async (input: RequestInfo | URL) => {
      asked.push(String(input));
      return new Response('', { status: 404 });
    }) as typeof fetch;
  const registration = (configUrl?: string): LaunchRegistration => ({
    name: 'Test EHR',
    issMatch: (iss) => iss === BASE,
    clientId: 'x',
    scope: APP_SCOPE,
    redirectUri: '/app/',
    ...(configUrl ? { configUrl } : {}),
  });

  it.each([
    [
      'the registration’s config URL (the hub on another origin)',
      [registration('https://hub.test/config/{ods}.json')],
      'https://hub.test/config/A99999.json',
    ],
    ['the default when the registration names none', [registration()], 'http://app.test/config/A99999.json'],
    [
      'the default when no registration matches the session’s server',
      [{ ...registration('https://hub.test/config/{ods}.json'), issMatch: () => false }],
      'http://app.test/config/A99999.json',
    ],
  ])('the loader reads the practice configuration from %s', async (_label, registrations, url) => {
    const asked: string[] = [];
    const opened = await openApp({
      launch: { ready: async () => readyClient({ scope: APP_SCOPE, patient: 'peter' }), registrations },
      load: { config: { baseUrl: 'http://app.test/app/', fetch: configFetch(asked) } },
    });
    if ('kind' in opened) throw new Error(opened.detail);
    expect(asked).toEqual([url]);
  });

  it('passes the launch’s fhirContext and encounter to the loader, and uses the loader it is given', async () => {
    const seen: unknown[] = [];
    const opened = await openApp({
      launch: {
        ready: async () =>
          readyClient({
            scope: APP_SCOPE,
            patient: 'peter',
            encounter: 'e1',
            fhirContext: [{ reference: 'Observation/peter-fitnote-2' }],
          }),
      },
      load: { config: { configUrl: 'http://config.test/{ods}.json', fetch: configFetch([]) } },
      loader: (requester, options) => {
        seen.push(options);
        return loadContextNaive(requester, options);
      },
    });
    if ('kind' in opened) throw new Error(opened.detail);
    expect(seen).toEqual([
      expect.objectContaining({
        encounterId: 'e1',
        fhirContext: [{ reference: 'Observation/peter-fitnote-2' }],
      }),
    ]);
    expect(opened.context.roundTrips).toBeGreaterThan(5);
  });
});
