import { readFileSync } from 'node:fs';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ReadyClient } from '../smart/launch.js';
import { APP_SCOPE } from '../smart/scopes.js';
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
    const opened = await openApp({
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
    expect(opened.style).toEqual({ '--smart-color-text': '#333' });
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
});
