/**
 * The FHIR API for providers' systems, over real HTTP with real Backend Services tokens (jose keys,
 * inline key sets) and the SQLite store in memory holding referrals for two providers.
 */
import type { Bundle, OperationOutcome, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { peterFitNotes, peterForm } from '../../../tests/fixtures/referralForms.js';
import { CODE_SYSTEM, ID_SYSTEM, PROFILE } from '../../domain/codes.js';
import type { Provider } from '../../domain/directory.js';
import type { ReferralOutcome } from '../../domain/outcome.js';
import { outcomeToTask } from '../../fhir/taskOutcome.js';
import { validateAgainstProfile } from '../../fhir/validate.js';
import { buildHub } from '../app.js';
import { CLIENT_ASSERTION_TYPE } from '../auth/backendServices.js';
import { examplesConfigSource } from '../config/files.js';
import { openStore } from '../store/index.js';
import type { HubStore } from '../store/types.js';
import { type CallResult, caller, exampleProviders, peterReferral } from '../testSupport.js';

let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
const hub = caller(() => hubUrl);
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let key: { privateKey: Key; jwk: JWK };
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
let clock = T0;

const outcome: ReferralOutcome = {
  returnToWorkGoal: 'same-role',
  adjustments: [{ code: 'altered-hours', text: 'Mornings only for three weeks' }],
  report: { title: 'Closing summary', text: 'Peter has agreed a plan with his manager.' },
};

/** Stores a referral for Peter to `providerId` (a new episode makes a new id); returns its id. */
let episode = 0;
async function referralFor(providerId: string): Promise<string> {
  episode++;
  const bundle = peterReferral({
    provider: exampleProviders()[providerId] as Provider,
    fitNotes: peterFitNotes,
    ...(providerId === 'local-oh-service'
      ? {
          form: peterForm({
            serviceTypes: ['oh-assessment'],
            employerLiaison: { requested: false, shareWithEmployer: [] },
          }),
        }
      : {}),
    episode: { start: new Date(Date.UTC(2026, 0, 1) + episode * 86_400_000).toISOString().slice(0, 10) },
  });
  const sr = bundle.entry?.[0]?.resource as ServiceRequest;
  const id = sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value as string;
  clock += 1000;
  await store.acceptReferral(
    {
      id,
      practiceOds: 'A99999',
      ehrBaseUrl: 'http://127.0.0.1:9/fhir',
      patientId: 'peter',
      providerId,
      deliveryMode: 'hub-inbox',
      bundle,
      sentBy: 'Practitioner/gp-1',
    },
    clock,
  );
  return id;
}

async function token(client: string, scope = 'system/Task.rs system/Task.u system/ServiceRequest.rs') {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: 'k1' })
    .setIssuer(client)
    .setSubject(client)
    .setAudience(`${hubUrl}/auth/token`)
    .setExpirationTime(now + 120)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
  const res = await hub({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope,
    }).toString(),
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { access_token: string }).access_token;
}

let cms: string; // case-managed-support's system
let oh: string; // local-oh-service's system
let readOnly: string;
let mine: string[];
let theirs: string;

beforeAll(async () => {
  const pair = await generateKeyPair('ES384', { extractable: true });
  key = {
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384' },
  };
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: { ehrBases: ['http://127.0.0.1:9/fhir'], corsOrigins: [], validateProfiles: false },
    configSource: examplesConfigSource(),
    now: () => clock,
    providerClients: [
      { clientId: 'cms-system', providerId: 'case-managed-support', jwks: { keys: [key.jwk] } },
      { clientId: 'oh-system', providerId: 'local-oh-service', jwks: { keys: [key.jwk] } },
    ],
    onError: (error) => {
      throw error;
    },
  });
  hubUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  mine = [await referralFor('case-managed-support'), await referralFor('case-managed-support')];
  theirs = await referralFor('local-oh-service');
  [cms, oh, readOnly] = await Promise.all([
    token('cms-system'),
    token('oh-system'),
    token('cms-system', 'system/Task.rs system/ServiceRequest.rs'),
  ]);
});

afterAll(async () => {
  await app.close();
  await store.close();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const get = (url: string, t = cms) => hub({ url, headers: bearer(t) });
const put = (id: string, body: unknown, t = cms, extra: Record<string, string> = {}) =>
  hub({
    method: 'PUT',
    url: `/fhir/Task/${id}`,
    headers: { ...bearer(t), 'content-type': 'application/fhir+json', ...extra },
    payload: JSON.stringify(body),
  });

function outcomeOf(res: CallResult): OperationOutcome {
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  const body = res.json() as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  return body;
}
const said = (res: CallResult) => (outcomeOf(res).issue ?? []).map((i) => i.diagnostics).join(' | ');
const where = (res: CallResult) => (outcomeOf(res).issue ?? []).flatMap((i) => i.expression ?? []);

async function readTask(id: string, t = cms): Promise<Task> {
  const res = await get(`/fhir/Task/${id}`, t);
  expect(res.statusCode).toBe(200);
  return res.json() as Task;
}

describe('who may call', () => {
  it.each([
    ['no token', {}, 401, /no access token/],
    ['a token the hub did not issue', bearer('eyJhbGciOiJub25lIn0.e30.'), 401, /not one this hub issued/],
  ])('%s → %i with an OperationOutcome', async (_label, headers, status, text) => {
    const res = await hub({ url: '/fhir/Task', headers });
    expect(res.statusCode).toBe(status);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(said(res)).toMatch(text);
  });

  it('a token without system/Task.u cannot update: 403 naming the scope', async () => {
    const res = await put(
      mine[0] as string,
      { resourceType: 'Task', id: mine[0], status: 'accepted' },
      readOnly,
    );
    expect(res.statusCode).toBe(403);
    expect(said(res)).toMatch(/system\/Task\.u/);
    expect(res.headers['www-authenticate']).toMatch(/insufficient_scope/);
  });

  it.each([
    ['read', () => get(`/fhir/Task/${theirs}`)],
    ['read the ServiceRequest of', () => get(`/fhir/ServiceRequest/${theirs}`)],
    ['update', () => put(theirs, { resourceType: 'Task', id: theirs, status: 'accepted' })],
  ])('another provider’s referral: %s it → 404, as if it did not exist', async (_label, call) => {
    const res = await call();
    expect(res.statusCode).toBe(404);
    expect(said(res)).toMatch(/no referral .* for your service/);
  });
});

describe('GET /fhir/Task', () => {
  it('lists only the provider’s own referral Tasks, newest first, with their ServiceRequests on _include', async () => {
    const res = await get('/fhir/Task?_include=Task:focus');
    expect(res.statusCode).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const matches = bundle.entry?.filter((e) => e.search?.mode === 'match') ?? [];
    expect(matches.map((e) => e.resource?.id)).toEqual([...mine].reverse());
    const included = bundle.entry?.filter((e) => e.search?.mode === 'include') ?? [];
    expect(included.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort()).toEqual(
      mine.map((id) => `ServiceRequest/${id}`).sort(),
    );
    const task = matches[0]?.resource as Task;
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      focus: { reference: `ServiceRequest/${mine[1]}` },
      owner: { identifier: { value: 'case-managed-support' } },
      identifier: [{ system: ID_SYSTEM.referral, value: mine[1] }],
    });
    expect(task.meta?.versionId).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it.each([
    ['status=accepted', 0],
    ['status=requested,accepted', 2],
    ['_count=1', 1],
    ['_lastUpdated=gt2026-11-20', 0],
    ['_lastUpdated=ge2026-11-20T10:00:01Z', 2],
    ['_lastUpdated=gt2026-11-20T10:00:01Z', 1],
    ['_lastUpdated=lt2026-11-20T10:00:01Z', 0],
  ])('%s → %i', async (query, count) => {
    const res = await get(`/fhir/Task?${query}`);
    expect(res.statusCode).toBe(200);
    expect((res.json() as Bundle).entry ?? []).toHaveLength(count);
  });

  it.each([
    ['status=done', /status "done"/],
    ['_lastUpdated=gtyesterday', /_lastUpdated .* is not a date/],
    ['_count=0', /_count/],
    ['_include=Task:owner', /Task:focus/],
    ['patient=peter', /"patient" is not supported/],
  ])('%s → 400 saying what to use', async (query, text) => {
    const res = await get(`/fhir/Task?${query}`);
    expect(res.statusCode).toBe(400);
    expect(said(res)).toMatch(text);
  });
});

describe('GET /fhir/ServiceRequest/:id', () => {
  it('is the referral as the GP sent it, with the Consent contained', async () => {
    const res = await get(`/fhir/ServiceRequest/${mine[0]}`);
    expect(res.statusCode).toBe(200);
    const sr = res.json() as ServiceRequest;
    expect(sr).toMatchObject({ resourceType: 'ServiceRequest', id: mine[0], status: 'active' });
    expect(sr.contained?.map((r) => r.resourceType)).toContain('Consent');
    for (const ref of sr.supportingInfo ?? []) {
      expect(ref.reference).toMatch(/^#/);
      expect(sr.contained?.some((r) => `#${r.id}` === ref.reference)).toBe(true);
    }
  });

  it('carries the fit-note copies the GP sent, unchanged and valid', async () => {
    const sr = (await get(`/fhir/ServiceRequest/${mine[0]}`)).json() as ServiceRequest;
    const sent = (await store.getReferral(mine[0] as string))?.bundle.entry?.[0]?.resource as ServiceRequest;
    const copies = (r: ServiceRequest) => (r.contained ?? []).filter((c) => c.id?.startsWith('fitnote-'));
    expect(copies(sent).map((c) => c.id)).toEqual(['fitnote-1', 'fitnote-2']);
    expect(copies(sr)).toEqual(copies(sent));
    expect(sr.supportingInfo?.map((r) => r.reference)).toEqual(
      expect.arrayContaining(['#fitnote-1', '#fitnote-2']),
    );
    for (const copy of copies(sr)) expect(validateAgainstProfile(copy, PROFILE.fitNote)).toEqual([]);
  });
});

describe('PUT /fhir/Task/:id', () => {
  it('accept, mark contacted, then complete with an outcome; a retried update changes nothing', async () => {
    const id = mine[0] as string;
    let task = await readTask(id);
    let res = await put(id, { ...task, status: 'accepted' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'accepted' });
    const version = res.headers.etag;

    res = await put(id, { ...task, status: 'accepted' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(version);

    task = await readTask(id);
    res = await put(
      id,
      {
        ...task,
        status: 'in-progress',
        businessStatus: { coding: [{ system: CODE_SYSTEM.referralBusinessStatus, code: 'contacted' }] },
      },
      cms,
      { 'if-match': version as string },
    );
    expect(res.statusCode).toBe(200);
    expect((await store.getReferral(id))?.businessStatus).toBe('contacted');

    task = await readTask(id);
    res = await put(id, { ...task, status: 'completed', ...outcomeToTask(outcome) });
    expect(res.statusCode).toBe(200);
    const done = res.json() as Task;
    expect(done.status).toBe('completed');
    expect(done.output?.map((o) => o.type?.coding?.[0]?.code)).toEqual([
      'return-to-work-goal',
      'adjustment',
      'report',
    ]);
    expect((await store.getReferral(id))?.outcome).toEqual(outcome);
    const audit = await store.listAudit({ referralId: id, action: 'status-changed' });
    expect(audit.map((a) => a.agent)).toEqual([
      'client:cms-system',
      'client:cms-system',
      'client:cms-system',
    ]);
  });

  it('declines with a coded reason and the provider’s words', async () => {
    const id = await referralFor('case-managed-support');
    const res = await put(id, {
      resourceType: 'Task',
      id,
      status: 'rejected',
      statusReason: {
        coding: [{ system: CODE_SYSTEM.referralDeclineReason, code: 'other' }],
        text: 'Moved out of Yorkshire',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'rejected',
      statusReason: { coding: [{ code: 'other' }], text: 'Another reason: Moved out of Yorkshire' },
    });
  });

  it.each<[string, (id: string, t: Task) => unknown, number, RegExp, string]>([
    [
      'a changed focus',
      (_id, t) => ({ ...t, status: 'accepted', focus: { reference: 'ServiceRequest/x' } }),
      422,
      /Task\.focus differs/,
      'Task.focus',
    ],
    [
      'a changed owner',
      (_id, t) => ({ ...t, owner: { display: 'Someone else' } }),
      422,
      /Task\.owner differs/,
      'Task.owner',
    ],
    [
      'an element the hub does not keep',
      (_id, t) => ({ ...t, priority: 'urgent' }),
      422,
      /Task\.priority is not kept/,
      'Task.priority',
    ],
    ['cancelling', (_id, t) => ({ ...t, status: 'cancelled' }), 422, /Only the GP can cancel/, 'Task.status'],
    [
      'completing before accepting',
      (_id, t) => ({ ...t, status: 'completed', ...outcomeToTask(outcome) }),
      409,
      /Accept it first|cannot be completed/,
      '',
    ],
    [
      'an outcome the domain refuses',
      (_id, t) => ({ ...t, status: 'completed', ...withoutReportText() }),
      422,
      /report/,
      '',
    ],
    [
      'another resource type',
      (id) => ({ resourceType: 'ServiceRequest', id }),
      400,
      /takes a Task, not a ServiceRequest/,
      'resourceType',
    ],
    ['a different id', (_id, t) => ({ ...t, id: 'other' }), 400, /id must be/, 'Task.id'],
    ['not an object', () => [1, 2], 400, /Send the updated Task/, ''],
  ])('refuses %s', async (_label, make, status, text, expression) => {
    const id = await referralFor('case-managed-support');
    const task = await readTask(id);
    const res = await put(id, make(id, task));
    expect(res.statusCode).toBe(status);
    expect(said(res)).toMatch(text);
    if (expression) expect(where(res)).toContain(expression);
    expect((await store.getReferral(id))?.status).toBe('requested');
  });

  it('refuses a stale If-Match with 412', async () => {
    const id = await referralFor('case-managed-support');
    const task = await readTask(id);
    const res = await put(id, { ...task, status: 'accepted' }, cms, { 'if-match': 'W/"1"' });
    expect(res.statusCode).toBe(412);
    expect(said(res)).toMatch(/changed since you read it/);
  });

  it('keeps the version when only the hub’s delivery bookkeeping changes, so an update read before delivery still applies', async () => {
    const id = await referralFor('case-managed-support');
    const before = await readTask(id);
    const [item] = await store
      .claimDeliveries({
        now: Date.now(),
        limit: 100,
        leaseMs: 60_000,
        perProviderLimit: 100,
        worker: 'test',
      })
      .then((items) => items.filter((i) => i.referralId === id));
    expect(item).toBeDefined();
    if (item)
      expect(await store.recordAttempt(item.id, item.leaseUntil, { ok: true }, Date.now() + 1)).toBe(true);
    expect((await store.getReferral(id))?.deliveryState).toBe('delivered');
    expect((await readTask(id)).meta?.versionId).toBe(before.meta?.versionId);
    const res = await put(id, { ...before, status: 'accepted' }, cms, {
      'if-match': `W/"${before.meta?.versionId}"`,
    });
    expect(res.statusCode).toBe(200);
    expect((await readTask(id)).meta?.versionId).not.toBe(before.meta?.versionId);
  });

  it('refuses a body that is not JSON with 400, and a wrong content type with 415', async () => {
    const id = mine[1] as string;
    const broken = await hub({
      method: 'PUT',
      url: `/fhir/Task/${id}`,
      headers: { ...bearer(cms), 'content-type': 'application/fhir+json' },
      payload: '{"resourceType": "Task",',
    });
    expect(broken.statusCode).toBe(400);
    outcomeOf(broken);
    const xml = await hub({
      method: 'PUT',
      url: `/fhir/Task/${id}`,
      headers: { ...bearer(cms), 'content-type': 'application/fhir+xml' },
      payload: '<Task/>',
    });
    expect(xml.statusCode).toBe(415);
  });

  it('another provider’s system sees its own referral only', async () => {
    const res = await get('/fhir/Task', oh);
    expect(((res.json() as Bundle).entry ?? []).map((e) => e.resource?.id)).toEqual([theirs]);
  });
});

function withoutReportText() {
  const { output, contained } = outcomeToTask(outcome);
  const doc = contained[0];
  if (doc?.content[0]) doc.content[0].attachment.data = '';
  return { output, contained };
}

describe('GET /fhir/metadata', () => {
  it('is a CapabilityStatement naming the Task interactions', async () => {
    const res = await hub({ url: '/fhir/metadata' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });
});
