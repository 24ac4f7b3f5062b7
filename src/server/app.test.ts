/**
 * The hub's HTTP API in-process (Fastify inject) with the real SQLite store in memory and the real
 * sandbox EHR as the token issuer: tokens come from the sandbox's SMART launch and the hub checks
 * them at the sandbox's introspection endpoint.
 */
import type { Bundle, OperationOutcome, ServiceRequest } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { ID_SYSTEM } from '../domain/codes.js';
import { type RunningSandbox, startSandbox } from '../sandbox/server.js';
import { setSimulatedError } from '../sandbox/smartAuth.js';
import { buildHub } from './app.js';
import { examplesConfigSource } from './config/files.js';
import { ConfigBrokenError, type ConfigSource } from './config/source.js';
import { openStore } from './store/index.js';
import type { HubStore } from './store/types.js';
import {
  type CallResult,
  caller,
  copy,
  peterReferral,
  type SandboxToken,
  sandboxToken,
} from './testSupport.js';
import type { ReferralView } from './views.js';

let sandbox: RunningSandbox;
let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
/** The hub over HTTP, as `inject` would be. */
const hub = { inject: caller(() => hubUrl) };
let peter: SandboxToken;
let john: SandboxToken;
let readOnly: SandboxToken;
const errors: unknown[] = [];

const examples = examplesConfigSource();
/** The examples as A99999, and a broken file for B00000 (the IT lead's mistake). */
const configSource: ConfigSource = {
  async get(ods) {
    if (ods === 'B00000')
      throw new ConfigBrokenError('B00000.json', ['Directory: "schemaVersion" is missing.']);
    return examples.get(ods);
  },
};

jest.setTimeout(20_000);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: {
      ehrBases: [sandbox.fhirBaseUrl],
      introspectionClient: sandbox.introspectionClient,
      corsOrigins: ['https://gp.example.org'],
      validateProfiles: true,
    },
    configSource,
    onError: (error) => errors.push(error),
  });
  hubUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  [peter, john, readOnly] = await Promise.all([
    sandboxToken(sandbox, 'peter'),
    sandboxToken(sandbox, 'john'),
    sandboxToken(sandbox, 'peter', 'launch openid fhirUser patient/ServiceRequest.rs patient/Patient.rs'),
  ]);
}, 30_000);

afterAll(async () => {
  setSimulatedError(undefined);
  await app.close();
  await store.close();
  await sandbox.close();
});

function gp(token: SandboxToken | string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${typeof token === 'string' ? token : token.access_token}`,
    'x-ehr-fhir-base': sandbox.fhirBaseUrl,
    ...extra,
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = gp(peter)) =>
  hub.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/fhir+json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

function outcome(res: CallResult): OperationOutcome {
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  const body = res.json() as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  for (const issue of body.issue ?? []) {
    expect(issue.diagnostics?.length).toBeGreaterThan(10);
    expect(issue.diagnostics).not.toMatch(/undefined|\[object|at .*\.ts:/);
  }
  return body;
}

const text = (o: OperationOutcome) => (o.issue ?? []).map((i) => i.diagnostics).join(' | ');
const sr = (b: Bundle) => b.entry?.[0]?.resource as ServiceRequest;
const referralId = (b: Bundle) =>
  (sr(b).identifier ?? []).find((i) => i.system === ID_SYSTEM.referral)?.value as string;

describe('POST /referrals', () => {
  const bundle = peterReferral();
  const id = referralId(bundle);

  it('accepts a new referral: 201, Location, the view with the provider’s contact details and a timeline', async () => {
    const res = await post('/referrals', bundle);
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`/referrals/${id}`);
    const view = res.json() as ReferralView;
    expect(view).toMatchObject({
      id,
      status: 'requested',
      deliveryState: 'pending',
      practiceOds: 'A99999',
      patientId: 'peter',
      provider: {
        id: 'case-managed-support',
        phone: '0113 496 0005',
        email: 'referrals@pennine-wellbeing.example.org',
      },
    });
    expect(view.timeline.map((t) => t.event)).toEqual(['accepted']);
    const stored = await store.getReferral(id);
    expect(stored).toMatchObject({
      deliveryMode: 'fhir-rest',
      deliveryBaseUrl: 'http://127.0.0.1:8080/providers/case-managed-support/fhir',
      ehrBaseUrl: sandbox.fhirBaseUrl,
      sentBy: 'Practitioner/gp-1',
    });
  });

  it('the same referral sent again is one referral and one delivery: 200 with the same view', async () => {
    const pendingBefore = await store.pendingDeliveries();
    const res = await post('/referrals', bundle);
    expect(res.statusCode).toBe(200);
    expect((res.json() as ReferralView).id).toBe(id);
    expect(await store.listReferrals({ patientId: 'peter' })).toHaveLength(1);
    expect(await store.pendingDeliveries()).toBe(pendingBefore);
  });

  it('takes application/json too', async () => {
    const res = await post('/referrals', bundle, { ...gp(peter), 'content-type': 'application/json' });
    expect(res.statusCode).toBe(200);
  });

  it.each<[string, (b: Bundle) => unknown, number, RegExp]>([
    [
      'a Patient instead of a Bundle',
      () => ({ resourceType: 'Patient', id: 'peter' }),
      400,
      /must be a FHIR Bundle/,
    ],
    ['a JSON list', () => [1, 2], 400, /must be a FHIR Bundle/],
    ['a Bundle without entries', (b) => ({ ...b, entry: [] }), 400, /no entries/],
    [
      'an entry without a resource',
      (b) => ({ ...b, entry: [...(b.entry ?? []), { fullUrl: 'x' }] }),
      400,
      /has no resource/,
    ],
    ['a batch, not a transaction', (b) => ({ ...b, type: 'batch' }), 422, /"transaction"/],
    [
      'a Patient among the entries',
      (b) => ({ ...b, entry: [...(b.entry ?? []), { resource: { resourceType: 'Patient', id: 'peter' } }] }),
      422,
      /is a Patient/,
    ],
    [
      'no Consent',
      (b) => ({ ...b, entry: b.entry?.filter((e) => e.resource?.resourceType !== 'Consent') }),
      422,
      /no Consent/,
    ],
    [
      'no Task',
      (b) => ({ ...b, entry: b.entry?.filter((e) => e.resource?.resourceType !== 'Task') }),
      422,
      /no Task/,
    ],
    [
      'a Consent that is not active',
      (b) => {
        for (const e of b.entry ?? [])
          if (e.resource?.resourceType === 'Consent') (e.resource as { status: string }).status = 'rejected';
        return b;
      },
      422,
      /not active/,
    ],
    [
      'an impossible date (30 February)',
      (b) => {
        (b.entry?.[0]?.resource as ServiceRequest).authoredOn = '2026-02-30T10:00:00Z';
        return b;
      },
      422,
      /authoredOn "2026-02-30T10:00:00Z" is not a real calendar date/,
    ],
    [
      'a date that is not a date',
      (b) => {
        (b.entry?.[0]?.resource as ServiceRequest).authoredOn = 'yesterday';
        return b;
      },
      422,
      /authoredOn "yesterday" is not a FHIR date and time/,
    ],
    [
      'a ServiceRequest without the referral identifier',
      (b) => {
        (b.entry?.[0]?.resource as ServiceRequest).identifier = [];
        return b;
      },
      422,
      /referral identifier/,
    ],
    [
      'a provider that is not in the directory',
      (b) => {
        const sr = b.entry?.[0]?.resource as ServiceRequest;
        (sr.performer?.[0]?.identifier as { value: string }).value = 'no-such-provider';
        return b;
      },
      422,
      /"no-such-provider" is not in the practice’s provider directory/,
    ],
    [
      'a provider that is paused',
      (b) => {
        const sr = b.entry?.[0]?.resource as ServiceRequest;
        (sr.performer?.[0]?.identifier as { value: string }).value = 'talking-therapies-employment';
        return b;
      },
      422,
      /not taking referrals at the moment \(paused\).*0113 496 0004/,
    ],
    [
      'a practice the hub has no settings for',
      (b) => {
        const sr = b.entry?.[0]?.resource as ServiceRequest & {
          contained: Array<{ organization: { identifier: { value: string } } }>;
        };
        (
          sr.contained[0] as { organization: { identifier: { value: string } } }
        ).organization.identifier.value = 'Z11111';
        return b;
      },
      422,
      /no settings for the practice Z11111/,
    ],
    [
      'a ServiceRequest that breaks its profile',
      (b) => {
        (b.entry?.[0]?.resource as { intent: string }).intent = 'plan';
        return b;
      },
      422,
      /ServiceRequest\.intent/,
    ],
  ])('refuses %s', async (_label, change, status, message) => {
    const res = await post('/referrals', change(copy(peterReferral({ authoredOn: '2026-11-21T09:00:00Z' }))));
    expect(res.statusCode).toBe(status);
    expect(text(outcome(res))).toMatch(message);
  });

  it('names the field of a bad date', async () => {
    const b = copy(bundle);
    (b.entry?.[0]?.resource as ServiceRequest).authoredOn = '2026-13-01';
    const o = outcome(await post('/referrals', b));
    expect(o.issue?.[0]?.expression).toEqual(['Bundle.entry[0].resource.authoredOn']);
  });

  it('says a broken practice configuration is the IT lead’s to fix (503)', async () => {
    const b = copy(bundle);
    const sr = b.entry?.[0]?.resource as ServiceRequest & {
      contained: Array<{ organization: { identifier: { value: string } } }>;
    };
    (sr.contained[0] as { organization: { identifier: { value: string } } }).organization.identifier.value =
      'B00000';
    const res = await post('/referrals', b);
    expect(res.statusCode).toBe(503);
    expect(text(outcome(res))).toMatch(
      /B00000\.json is broken: Directory: "schemaVersion" is missing\..*practice IT lead/,
    );
  });
});

describe('bodies the hub cannot read: 4xx with an OperationOutcome, never a 500', () => {
  it.each<[string, string, string, number, RegExp]>([
    ['malformed JSON', 'application/fhir+json', '{"resourceType": "Bundle",', 400, /not valid JSON/],
    ['an empty JSON body', 'application/fhir+json', '', 400, /empty/],
    ['a wrong content type', 'text/plain', 'hello', 415, /Content-Type application\/fhir\+json/],
    ['XML', 'application/fhir+xml', '<Bundle/>', 415, /must be JSON/],
    [
      'a body over 1 MB',
      'application/fhir+json',
      JSON.stringify({ resourceType: 'Bundle', pad: 'x'.repeat(1024 * 1024) }),
      413,
      /1 MB/,
    ],
    [
      'a prototype-poisoning body',
      'application/json',
      '{"__proto__": {"admin": true}}',
      400,
      /not valid JSON/,
    ],
  ])('%s', async (_label, type, payload, status, message) => {
    const res = await hub.inject({
      method: 'POST',
      url: '/referrals',
      headers: { ...gp(peter), 'content-type': type },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(text(outcome(res))).toMatch(message);
    expect(errors).toEqual([]);
  });
});

describe('who may call', () => {
  const bundle = peterReferral({ authoredOn: '2026-11-21T11:00:00Z' });

  it.each<[string, () => Record<string, string>, number, RegExp]>([
    ['no token', () => ({ 'x-ehr-fhir-base': sandbox.fhirBaseUrl }), 401, /no access token/],
    ['a token the EHR does not know', () => gp('not-a-real-token'), 401, /not valid any more/],
    [
      'a Basic authorization',
      () => ({ ...gp(peter), authorization: 'Basic dXNlcjpwYXNz' }),
      401,
      /not a bearer token/,
    ],
    ['no EHR base', () => ({ authorization: `Bearer ${peter.access_token}` }), 401, /X-EHR-FHIR-Base/],
    [
      'an EHR the hub does not trust',
      () => gp(peter, { 'x-ehr-fhir-base': 'https://ehr.elsewhere.example/fhir' }),
      403,
      /ehr\.elsewhere\.example.*HUB_EHR_BASES/,
    ],
    [
      'a token without ServiceRequest create',
      () => gp(readOnly),
      403,
      /does not allow the app to send referrals/,
    ],
    ['another patient’s token', () => gp(john), 403, /different patient/],
  ])('refuses %s, and audits it', async (_label, headers, status, message) => {
    const before = (await store.listAudit({ action: 'access-refused' })).length;
    const res = await post('/referrals', bundle, headers());
    expect(res.statusCode).toBe(status);
    expect(text(outcome(res))).toMatch(message);
    if (status === 401)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_(token|request)"/);
    const after = await store.listAudit({ action: 'access-refused' });
    expect(after).toHaveLength(before + 1);
    expect(after[0]?.detail).toMatchObject({ status, method: 'POST', path: '/referrals' });
  });

  it('refuses an expired token (sandbox simulated error): 401', async () => {
    setSimulatedError('expired_token');
    let expired: SandboxToken;
    try {
      expired = await sandboxToken(sandbox, 'peter');
    } finally {
      setSimulatedError(undefined);
    }
    const res = await post('/referrals', bundle, gp(expired));
    expect(res.statusCode).toBe(401);
    expect(text(outcome(res))).toMatch(/not valid any more/);
  });

  it('another patient’s token cannot read, list or cancel Peter’s referral', async () => {
    const id = referralId(peterReferral());
    for (const res of [
      await hub.inject({ method: 'GET', url: `/referrals/${id}`, headers: gp(john) }),
      await hub.inject({ method: 'GET', url: '/referrals?patient=peter', headers: gp(john) }),
      await post(`/referrals/${id}/cancel`, {}, gp(john)),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(text(outcome(res))).toMatch(/different patient/);
    }
  });
});

describe('reading referrals', () => {
  const id = referralId(peterReferral());

  it('GET /referrals/:id gives the view', async () => {
    const res = await hub.inject({ method: 'GET', url: `/referrals/${id}`, headers: gp(peter) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'requested', provider: { id: 'case-managed-support' } });
  });

  it('a read-only token may read', async () => {
    const res = await hub.inject({ method: 'GET', url: `/referrals/${id}`, headers: gp(readOnly) });
    expect(res.statusCode).toBe(200);
  });

  it('GET /referrals?patient= lists the patient’s referrals', async () => {
    const res = await hub.inject({ method: 'GET', url: '/referrals?patient=peter', headers: gp(peter) });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { referrals: ReferralView[] }).referrals.map((r) => r.id)).toEqual([id]);
  });

  it.each([
    ['/referrals', 400, /\?patient=/],
    ['/referrals/no-such-referral', 404, /no referral "no-such-referral"/],
    ['/referrals/bad%20id', 404, /no referral/],
  ])('GET %s', async (url, status, message) => {
    const res = await hub.inject({ method: 'GET', url, headers: gp(peter) });
    expect(res.statusCode).toBe(status);
    expect(text(outcome(res))).toMatch(message);
  });
});

describe('POST /referrals/:id/cancel', () => {
  const bundle = peterReferral({ episode: { start: '2026-09-01' } });
  const id = referralId(bundle);

  beforeAll(async () => {
    expect((await post('/referrals', bundle)).statusCode).toBe(201);
  });

  it('cancels with the GP’s reason, and again is the same cancellation', async () => {
    const res = await post(`/referrals/${id}/cancel`, { reason: 'Patient is back at work.' });
    expect(res.statusCode).toBe(200);
    const view = res.json() as ReferralView;
    expect(view).toMatchObject({ status: 'cancelled', statusReason: 'Patient is back at work.' });
    expect(view.timeline.at(-1)?.text).toMatch(/cancelled: Patient is back at work/);
    const again = await post(`/referrals/${id}/cancel`, {});
    expect(again.statusCode).toBe(200);
    expect((await store.listAudit({ referralId: id, action: 'status-changed' })).length).toBe(1);
  });

  it('cancels without a body', async () => {
    const b = peterReferral({ episode: { start: '2026-08-01' } });
    await post('/referrals', b);
    const res = await hub.inject({
      method: 'POST',
      url: `/referrals/${referralId(b)}/cancel`,
      headers: gp(peter),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', statusReason: 'Cancelled by the GP.' });
  });

  it('a referral the provider declined cannot be cancelled: 409 with the store’s words', async () => {
    const b = peterReferral({ episode: { start: '2026-07-01' } });
    await post('/referrals', b);
    await store.updateStatus(
      referralId(b),
      { status: 'rejected', statusReason: 'Outside our area' },
      'provider',
      Date.now(),
    );
    const res = await post(`/referrals/${referralId(b)}/cancel`, {});
    expect(res.statusCode).toBe(409);
    expect(text(outcome(res))).toMatch(/rejected; it cannot become cancelled/);
  });

  it.each<[string, unknown, number]>([
    ['an unknown referral', undefined, 404],
    ['a reason that is not text', { reason: 42 }, 400],
    ['unknown fields', { why: 'x' }, 400],
    ['a list', ['x'], 400],
  ])('%s', async (label, body, status) => {
    const url =
      label === 'an unknown referral' ? '/referrals/no-such-referral/cancel' : `/referrals/${id}/cancel`;
    const res = await post(url, body ?? {});
    expect(res.statusCode).toBe(status);
    outcome(res);
  });

  it('needs a write scope', async () => {
    const res = await post(`/referrals/${id}/cancel`, {}, gp(readOnly));
    expect(res.statusCode).toBe(403);
  });
});

describe('GET /config/:ods.json', () => {
  it('serves the practice’s rules and directory with a strong ETag; If-None-Match gives 304; each read is audited', async () => {
    const before = (await store.listAudit({ action: 'config-read' })).length;
    const res = await hub.inject({ method: 'GET', url: '/config/A99999.json', headers: gp(peter) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const body = res.json() as { rules: { schemaVersion: number }; directory: { providers: unknown[] } };
    expect(body.rules.schemaVersion).toBe(1);
    expect(body.directory.providers.length).toBeGreaterThan(3);
    const again = await hub.inject({
      method: 'GET',
      url: '/config/a99999.json',
      headers: gp(readOnly, { 'if-none-match': `W/${etag}` }),
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const audit = await store.listAudit({ action: 'config-read' });
    expect(audit).toHaveLength(before + 2);
    expect(audit[0]).toMatchObject({ practiceOds: 'A99999', agent: 'Practitioner/gp-1' });
  });

  it.each<[string, () => Record<string, string>, number, RegExp]>([
    ['/config/Z11111.json', () => gp(peter), 404, /no settings for the practice Z11111/],
    ['/config/A99999.xml', () => gp(peter), 404, /\/config\/<ODS code>\.json/],
    ['/config/A99999.json', () => ({}), 401, /no access token/],
    ['/config/B00000.json', () => gp(peter), 503, /B00000\.json is broken/],
  ])('GET %s', async (url, headers, status, message) => {
    const res = await hub.inject({ method: 'GET', url, headers: headers() });
    expect(res.statusCode).toBe(status);
    expect(text(outcome(res))).toMatch(message);
  });
});

describe('addresses, methods, health, CORS', () => {
  it.each<[string, string, number, RegExp, string | undefined]>([
    ['GET', '/nowhere', 404, /nothing at \/nowhere/, undefined],
    ['DELETE', '/referrals', 405, /use GET or POST/, 'GET, POST, OPTIONS'],
    ['PUT', '/referrals/abc', 405, /use GET/, 'GET, OPTIONS'],
    ['GET', '/referrals/abc/cancel', 405, /use POST/, 'POST, OPTIONS'],
    ['POST', '/health', 405, /use GET/, 'GET, OPTIONS'],
  ])('%s %s', async (method, url, status, message, allow) => {
    const res = await hub.inject({ method: method as 'GET', url });
    expect(res.statusCode).toBe(status);
    expect(text(outcome(res))).toMatch(message);
    expect(res.headers.allow).toBe(allow);
  });

  it('GET /health says the store and the deliveries waiting', async () => {
    const res = await hub.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      store: 'sqlite',
      pendingDeliveries: await store.pendingDeliveries(),
    });
  });

  it.each<[string, number]>([
    ['http://localhost:5173', 204],
    ['http://127.0.0.1:8080', 204],
    ['https://gp.example.org', 204],
    ['https://evil.example', 403],
  ])('preflight from %s', async (origin, status) => {
    const res = await hub.inject({
      method: 'OPTIONS',
      url: '/referrals',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, x-ehr-fhir-base',
      },
    });
    expect(res.statusCode).toBe(status);
    if (status === 204) {
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
      expect(res.headers['access-control-allow-headers']).toMatch(/X-EHR-FHIR-Base/);
    } else {
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(text(outcome(res))).toMatch(/HUB_CORS_ORIGINS/);
    }
  });

  it('exposes ETag and Location to an allowed origin', async () => {
    const res = await hub.inject({
      method: 'GET',
      url: '/config/A99999.json',
      headers: gp(peter, { origin: 'http://localhost:8080' }),
    });
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(res.headers['access-control-expose-headers']).toMatch(/ETag, Location/);
  });
});

describe('unexpected errors', () => {
  it('are a 500 OperationOutcome without internals, and logged', async () => {
    const broken = buildHub({
      store: {
        ...store,
        backend: 'sqlite',
        getReferral: async () => {
          throw new Error('SQLITE_CORRUPT: secret detail');
        },
      } as unknown as HubStore,
      settings: {
        ehrBases: [sandbox.fhirBaseUrl],
        introspectionClient: sandbox.introspectionClient,
        corsOrigins: [],
        validateProfiles: false,
      },
      configSource,
      onError: (error) => errors.push(error),
    });
    const url = await broken.listen({ port: 0, host: '127.0.0.1' });
    const res = await caller(() => url)({ method: 'GET', url: '/referrals/abc', headers: gp(peter) });
    expect(res.statusCode).toBe(500);
    const o = outcome(res);
    expect(text(o)).toMatch(/problem on its side/);
    expect(res.body).not.toMatch(/SQLITE|secret/);
    expect(errors.splice(0)).toHaveLength(1);
    await broken.close();
  });
});
