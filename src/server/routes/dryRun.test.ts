/**
 * The dry run through the hub's real app (listening on a free port, SQLite in memory), with IT-lead
 * tokens from the local stand-in OpenID issuer: upload a small hand-made export, dry-run a changed
 * threshold, and check the counts against hand counts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Observation, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_RULES } from '../../domain/defaultRules.js';
import type { DryRunReport } from '../../domain/dryRun.js';
import {
  CONCEPTS,
  conditionConcept,
  employmentObservation,
  fitNoteObservation,
  patientResource,
} from '../../sandbox/vignettes.js';
import { buildHub } from '../app.js';
import { startTestIssuer, type TestIssuer } from '../auth/testSupport.js';
import { examplesConfigSource } from '../config/files.js';
import type { EhrRecordsSource } from '../records/practiceRecords.js';
import { openStore } from '../store/index.js';
import type { HubStore } from '../store/types.js';
import { RECORDS_BODY_LIMIT } from './dryRun.js';

const AUDIENCE = 'urn:fitnote-prompt:hub';
const NOW = Date.parse('2026-11-21T12:00:00Z');

let testIssuer: TestIssuer;
let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
let itLead = '';
let providerStaff = '';

const patient = (id: string) =>
  patientResource({
    id,
    given: 'Synthetic',
    family: `Person-${id}`,
    gender: 'female',
    birthDate: '1980-01-01',
    address: { line: '1 Example Street', city: 'Exampleton', postalCode: 'LS6 2AB' },
  });
const employment = (id: string, status: 'employed' | 'unemployed') =>
  employmentObservation({ id: `emp-${id}`, patientId: id, status });
let noteCount = 0;
const fitNote = (patientId: string, start: string, end: string): Observation =>
  fitNoteObservation({
    id: `fn-${++noteCount}`,
    patientId,
    issued: `${start}T10:20:00Z`,
    start,
    end,
    fitness: 'not-fit',
    diagnoses: [conditionConcept(CONCEPTS.lowBackPain)],
  });

/**
 * Hand-counted, window 2026-09-01 .. 2026-10-31 (see src/domain/dryRun.test.ts for the same people):
 * a: three two-week notes from 1 Sep (live: two weeks, four weeks, six weeks; with six weeks at 28
 *    days: two weeks, six weeks); b: 5–30 Oct (two weeks both ways) and one note that cannot be read;
 * c: unemployed (nothing); d: no notes.
 */
function exportResources(): Resource[] {
  const unreadable: Observation = {
    ...fitNote('b', '2026-10-01', '2026-10-02'),
    id: 'fn-broken',
    effectivePeriod: undefined,
    valueCodeableConcept: undefined,
  } as Observation;
  delete unreadable.effectivePeriod;
  delete unreadable.valueCodeableConcept;
  return [
    patient('a'),
    employment('a', 'employed'),
    fitNote('a', '2026-09-01', '2026-09-14'),
    fitNote('a', '2026-09-15', '2026-09-28'),
    fitNote('a', '2026-09-29', '2026-10-12'),
    patient('b'),
    employment('b', 'employed'),
    fitNote('b', '2026-10-05', '2026-10-30'),
    unreadable,
    patient('c'),
    employment('c', 'unemployed'),
    fitNote('c', '2026-09-01', '2026-11-20'),
    patient('d'),
    employment('d', 'employed'),
  ];
}

const ndjson = (resources: readonly unknown[]) => resources.map((r) => JSON.stringify(r)).join('\n');

const byPatient = (resources: readonly Resource[]): Bundle[] => {
  const out = new Map<string, Resource[]>();
  for (const r of resources) {
    const id = r.resourceType === 'Patient' ? r.id : (r as Observation).subject?.reference?.split('/')[1];
    out.set(id as string, [...(out.get(id as string) ?? []), r]);
  }
  return [...out.values()].map((list) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: list.map((resource) => ({ resource })),
  }));
};

const fourWeekOh = {
  ...DEFAULT_RULES,
  rules: DEFAULT_RULES.rules.map((r) =>
    r.id === 'six-weeks-oh' ? { ...r, when: { ...r.when, absenceDaysAtLeast: 28 } } : r,
  ),
};

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: string; type?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = options.type ?? 'application/json';
  const response = await fetch(`${hubUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

const upload = (body: string, type = 'application/x-ndjson') =>
  call('POST', '/admin/api/records', { token: itLead, body, type });
const dryRun = (body: unknown) =>
  call('POST', '/admin/api/dry-run', { token: itLead, body: JSON.stringify(body) });
const texts = (json: unknown) => ((json as OperationOutcome).issue ?? []).map((i) => i.diagnostics ?? '');

async function startHub(ehrRecords?: EhrRecordsSource): Promise<void> {
  await app?.close();
  await store?.close();
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: {
      ehrBases: ['https://ehr.example.test/fhir'],
      corsOrigins: [],
      validateProfiles: false,
      oidc: { issuer: testIssuer.issuer, audience: AUDIENCE },
      publicUrl: 'https://hub.example.test',
    },
    configSource: examplesConfigSource(),
    now: () => NOW,
    ...(ehrRecords ? { ehrRecords } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  hubUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  testIssuer = await startTestIssuer(AUDIENCE);
  itLead = await testIssuer.token({
    sub: 'it-lead-a99999',
    name: 'IT lead (synthetic)',
    fitnote_role: 'it-lead',
    fitnote_practice: 'A99999',
  });
  providerStaff = await testIssuer.token({
    sub: 'coordinator',
    fitnote_role: 'provider-staff',
    fitnote_provider: 'local-oh-service',
  });
});

beforeEach(async () => {
  await startHub();
});

afterAll(async () => {
  await app.close();
  await store.close();
  await testIssuer.close();
});

describe('the dry run through the console API', () => {
  it('says the EHR is not available at a real hub, and nothing is uploaded yet', async () => {
    const { status, json } = await call('GET', '/admin/api/records', { token: itLead });
    expect(status).toBe(200);
    expect(json).toEqual({
      ehr: { available: false, description: expect.stringContaining('Upload an export') },
    });
  });

  it.each([
    ['NDJSON of resources', () => ndjson(exportResources()), 'application/x-ndjson'],
    ['NDJSON of Bundles', () => ndjson(byPatient(exportResources())), 'application/fhir+ndjson'],
    ['a JSON list of Bundles', () => JSON.stringify(byPatient(exportResources())), 'application/json'],
    [
      'one Bundle of every patient',
      () =>
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'collection',
          entry: exportResources().map((resource) => ({ resource })),
        }),
      'application/fhir+json',
    ],
  ])('reads %s, and the dry run gives the hand counts', async (_label, body, type) => {
    const uploaded = await upload(body(), type);
    expect(uploaded.status).toBe(200);
    expect(uploaded.json).toMatchObject({ patients: 4, fitNotes: 5, unreadable: 1, loadedAt: NOW });
    const listed = await call('GET', '/admin/api/records', { token: itLead });
    expect(listed.json).toMatchObject({ upload: { patients: 4, fitNotes: 5, unreadable: 1, loadedAt: NOW } });

    const { status, json } = await dryRun({
      rules: fourWeekOh,
      from: '2026-09-01',
      to: '2026-10-31',
      source: 'upload',
      fullTimeGps: 1,
    });
    expect(status).toBe(200);
    const report = json as DryRunReport;
    expect(report).toMatchObject({ patients: 4, fullTimeGps: 1, fullTimeGpsAssumed: false, months: 2 });
    const counts = Object.fromEntries(
      report.rules.map((r) => [r.ruleId, [r.draft.prompts, r.live?.prompts]]),
    );
    expect(counts).toMatchObject({
      'two-weeks-early-advice': [2, 2],
      'four-weeks-review': [0, 1],
      'six-weeks-oh': [1, 1],
      'three-months-case-managed': [0, 0],
    });
    expect(report.rules.find((r) => r.ruleId === 'six-weeks-oh')?.expected).toMatchObject({ min: 4, max: 6 });
    expect(report.byMonth.map((m) => m.month)).toEqual(['2026-09', '2026-10']);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(0);
    // The upload and the dry run read patients' records: both are in the practice's audit trail.
    const audit = await store.listAudit({ practiceOds: 'A99999' });
    expect(audit.map((a) => [a.action, a.detail?.patients])).toEqual(
      expect.arrayContaining([
        ['records-uploaded', 4],
        ['dry-run', 4],
      ]),
    );
  });

  it('compares with the published rules version when the practice has one', async () => {
    await upload(ndjson(exportResources()));
    await store.saveConfigVersion(
      { practiceOds: 'A99999', kind: 'rules', body: fourWeekOh, author: 'hub', publish: true },
      NOW,
    );
    const { status, json } = await dryRun({
      rules: DEFAULT_RULES,
      from: '2026-09-01',
      to: '2026-10-31',
      source: 'upload',
    });
    expect(status).toBe(200);
    // Now the four-week OH rule is live and the draft is the national defaults: the other way round.
    expect((json as DryRunReport).rules.find((r) => r.ruleId === 'four-weeks-review')).toMatchObject({
      draft: { prompts: 1 },
      live: { prompts: 0 },
    });
  });

  it('refuses an export over 200 MB with 413 before reading it, and keeps the previous upload', async () => {
    await upload(ndjson(exportResources()));
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${hubUrl}/admin/api/records`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${itLead}`,
          'Content-Type': 'application/x-ndjson',
          'Content-Length': String(RECORDS_BODY_LIMIT + 1),
        },
      });
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: text });
          request.destroy();
        });
      });
      request.on('error', reject);
      request.write('{"resourceType":"Patient","id":"x"}\n');
    });
    expect(status).toBe(413);
    expect(texts(JSON.parse(body)).join(' ')).toContain('larger than the hub reads (200 MB)');
    const listed = await call('GET', '/admin/api/records', { token: itLead });
    expect(listed.json).toMatchObject({ upload: { patients: 4 } });
  });

  it('reads an export over the hub’s usual 1 MB limit', async () => {
    const many = Array.from({ length: 6000 }, (_, i) => patient(`extra-${i}`));
    const body = ndjson([...exportResources(), ...many]);
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const { status, json } = await upload(body);
    expect(status).toBe(200);
    expect(json).toMatchObject({ patients: 6004, fitNotes: 5 });
  });

  it.each([
    [
      'a line that is not JSON',
      `${ndjson(exportResources().slice(0, 2))}\n{"resourceType": \n`,
      'Line 3 is not JSON',
    ],
    ['a line that is not a resource', `${ndjson(exportResources().slice(0, 2))}\n[1, 2]`, 'Line 3 is a list'],
    ['text', 'patients.csv', 'The upload is not JSON'],
    ['a list item that is not a Bundle', JSON.stringify([{ hello: 1 }]), 'Item 1 of the list'],
    ['no patients', ndjson(exportResources().slice(2, 4)), 'no Patient resources'],
    ['nothing', '   ', 'empty'],
  ])('refuses %s with 400, naming it, and keeps the previous upload', async (_label, body, words) => {
    expect((await upload(ndjson(exportResources()))).status).toBe(200);
    const { status, json } = await upload(body);
    expect(status).toBe(400);
    expect(texts(json).join(' ')).toContain(words);
    const listed = await call('GET', '/admin/api/records', { token: itLead });
    expect(listed.json).toMatchObject({ upload: { patients: 4, fitNotes: 5 } });
  });

  it.each([
    [
      'two mistakes',
      [
        { ...DEFAULT_RULES.rules[0], when: { absenceDaysAtLeast: -3 } },
        { ...DEFAULT_RULES.rules[1], indicator: 'loud' },
      ],
      ['absenceDaysAtLeast', 'indicator'],
    ],
    [
      'a provider not in the directory',
      [{ ...DEFAULT_RULES.rules[0], providers: ['no-such-provider'] }],
      ['no-such-provider'],
    ],
  ])('refuses a draft with %s: 422 and every problem', async (_label, rules, words) => {
    await upload(ndjson(exportResources()));
    const draft = { ...DEFAULT_RULES, rules };
    const { status, json } = await dryRun({
      rules: draft,
      from: '2026-09-01',
      to: '2026-10-31',
      source: 'upload',
    });
    expect(status).toBe(422);
    const problems = texts(json);
    expect(problems).toHaveLength(words.length);
    for (const [i, word] of words.entries()) expect(problems[i]).toContain(word);
  });

  it.each([
    [{ from: '2026-09-01', to: '2026-12-31' }, 400, 'after today'],
    [{ from: '2020-01-01', to: '2026-10-31' }, 400, 'longer than 5 years'],
    [{ from: '2026-09-01' }, 400, '"to" is missing'],
    [{ from: '2026-09-01', to: '2026-10-31', fullTimeGps: 0 }, 400, 'fullTimeGps'],
    [{ from: '2026-09-01', to: '2026-10-31', source: 'elsewhere' }, 400, '"source"'],
    [{ from: '2026-09-01', to: '2026-10-31', extra: 1 }, 400, '"extra"'],
    [{ from: '2026-09-01', to: '2026-10-31', source: 'ehr' }, 409, 'Upload an export'],
  ])('answers %j with %i', async (body, expected, words) => {
    const { status, json } = await dryRun({ rules: DEFAULT_RULES, source: 'upload', ...body });
    expect(status).toBe(expected);
    expect(texts(json).join(' ')).toContain(words);
  });

  it('says when nothing has been uploaded', async () => {
    const { status, json } = await dryRun({
      rules: DEFAULT_RULES,
      from: '2026-09-01',
      to: '2026-10-31',
      source: 'upload',
    });
    expect(status).toBe(409);
    expect(texts(json).join(' ')).toContain('upload an export first');
  });

  it.each([
    ['GET', '/admin/api/records'],
    ['POST', '/admin/api/records'],
    ['POST', '/admin/api/dry-run'],
  ])('%s %s: 401 without a token, 403 for provider staff', async (method, path) => {
    const body = method === 'POST' ? '{}' : undefined;
    expect((await call(method, path, body === undefined ? {} : { body })).status).toBe(401);
    expect((await call(method, path, { token: providerStaff, ...(body ? { body } : {}) })).status).toBe(403);
  });

  it('replays the EHR’s records when the hub runs beside one (the sandbox)', async () => {
    const { readRecords } = await import('../records/parse.js');
    await startHub({
      describe: async (ods) => (ods === 'A99999' ? 'The test EHR’s records' : undefined),
      load: async (ods) => (ods === 'A99999' ? readRecords(byPatient(exportResources())) : undefined),
    });
    expect((await call('GET', '/admin/api/records', { token: itLead })).json).toEqual({
      ehr: { available: true, description: 'The test EHR’s records' },
    });
    const { status, json } = await dryRun({
      rules: fourWeekOh,
      from: '2026-09-01',
      to: '2026-10-31',
      source: 'ehr',
    });
    expect(status).toBe(200);
    const report = json as DryRunReport;
    expect(report).toMatchObject({ patients: 4, fullTimeGpsAssumed: true });
    expect(report.rules.find((r) => r.ruleId === 'four-weeks-review')).toMatchObject({
      draft: { prompts: 0 },
      live: { prompts: 1 },
    });
  });
});
