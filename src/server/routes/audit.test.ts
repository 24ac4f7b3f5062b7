/**
 * GET /audit for IT leads, through the hub's real app (listening on a free port) with a SQLite store in memory; staff
 * tokens signed here and checked by the real StaffTokenChecker through a local discovery + JWKS server.
 */
import type { AddressInfo } from 'node:net';
import type { AuditEvent, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { ID_SYSTEM } from '../../domain/codes.js';
import { buildHub } from '../app.js';
import { startTestIssuer, type TestIssuer } from '../auth/testSupport.js';
import { examplesConfigSource } from '../config/files.js';
import { openStore } from '../store/index.js';
import type { HubStore, NewAuditRecord } from '../store/types.js';
import { peterReferral } from '../testSupport.js';
import { AUDIT_ACTION_SYSTEM, auditCsv, parseAuditTime } from './audit.js';

const AUDIENCE = 'urn:fitnote-prompt:hub';
const NOW = Date.parse('2026-11-21T12:00:00Z');

let testIssuer: TestIssuer;
let issuer = '';
let store: HubStore;
let app: FastifyInstance;
let itLead: string;
let otherItLead: string;
let providerStaff: string;

const token = (claims: Record<string, unknown>): Promise<string> => testIssuer.token(claims);

const SEED: NewAuditRecord[] = [
  {
    at: Date.parse('2026-11-19T09:00:00Z'),
    action: 'referral-accepted',
    outcome: '0',
    agent: 'Practitioner/gp-1',
    practiceOds: 'A99999',
    referralId: 'ref-1',
    providerId: 'local-oh-service',
    detail: { text: 'The hub accepted the referral and queued it for delivery.', deliveryMode: 'fhir-rest' },
  },
  {
    at: Date.parse('2026-11-19T09:00:01Z'),
    action: 'delivery-attempt',
    outcome: '4',
    agent: 'hub',
    practiceOds: 'A99999',
    referralId: 'ref-1',
    providerId: 'local-oh-service',
    detail: { text: 'The provider’s server answered 503, "busy" — trying again.', attempt: 1 },
  },
  {
    at: Date.parse('2026-11-20T23:30:00Z'), // 20 Nov in UTC, but still 20 Nov in London (GMT)
    action: 'inbox-view',
    outcome: '0',
    agent: 'staff:coordinator-local-oh-service',
    practiceOds: 'A99999',
    referralId: 'ref-1',
    providerId: 'local-oh-service',
    detail: { name: 'Referral coordinator (synthetic)', text: '=HYPERLINK("http://x") opened it' },
  },
  {
    at: Date.parse('2026-11-21T08:00:00Z'),
    action: 'config-read',
    outcome: '0',
    agent: 'Practitioner/gp-1',
    practiceOds: 'A99999',
    detail: { text: 'The practice’s settings were read.' },
  },
  {
    at: Date.parse('2026-11-21T08:30:00Z'),
    action: 'referral-accepted',
    outcome: '0',
    agent: 'Practitioner/gp-9',
    practiceOds: 'B88888',
    referralId: 'ref-other',
    providerId: 'local-oh-service',
    detail: { text: 'Another practice’s referral.' },
  },
];

beforeAll(async () => {
  testIssuer = await startTestIssuer(AUDIENCE);
  issuer = testIssuer.issuer;

  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: {
      ehrBases: ['https://ehr.example.test/fhir'],
      corsOrigins: [],
      validateProfiles: false,
      oidc: { issuer, audience: AUDIENCE },
      publicUrl: 'https://hub.example.test',
    },
    configSource: examplesConfigSource(),
    now: () => NOW,
  });
  itLead = await token({
    sub: 'it-lead-a99999',
    name: 'IT lead (synthetic)',
    fitnote_role: 'it-lead',
    fitnote_practice: 'a99999',
  });
  otherItLead = await token({
    sub: 'it-lead-b88888',
    name: 'Other IT lead',
    fitnote_role: 'it-lead',
    fitnote_practice: 'B88888',
  });
  providerStaff = await token({
    sub: 'coordinator-local-oh-service',
    name: 'Coordinator',
    fitnote_role: 'provider-staff',
    fitnote_provider: 'local-oh-service',
  });
});

beforeEach(async () => {
  // Each test gets a fresh store holding the seed, and a hub on it.
  await store.close();
  store = await openStore({ sqlitePath: ':memory:' });
  for (const record of SEED) await store.appendAudit(record);
  await app.close();
  app = buildHub({
    store,
    settings: {
      ehrBases: ['https://ehr.example.test/fhir'],
      corsOrigins: [],
      validateProfiles: false,
      oidc: { issuer, audience: AUDIENCE },
      publicUrl: 'https://hub.example.test',
    },
    configSource: examplesConfigSource(),
    now: () => NOW,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  hubUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await store.close();
  await testIssuer.close();
});

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let hubUrl = '';

async function get(
  url: string,
  bearer: string | undefined = itLead,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  const res = await fetch(`${hubUrl}${url}`, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
  });
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

function events(body: string): AuditEvent[] {
  const bundle = JSON.parse(body) as Bundle<AuditEvent>;
  expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
  return (bundle.entry ?? []).map((e) => e.resource as AuditEvent);
}

function problemText(body: string): string {
  const outcome = JSON.parse(body) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return (outcome.issue ?? []).map((i) => i.diagnostics ?? '').join(' ');
}

describe('GET /audit', () => {
  it("gives the IT lead their practice's records only, newest first, as AuditEvents", async () => {
    const res = await get('/audit');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.headers['cache-control']).toBe('no-store');
    const list = events(res.body);
    expect(list.map((e) => e.subtype?.[0]?.code)).toEqual([
      'config-read',
      'inbox-view',
      'delivery-attempt',
      'referral-accepted',
    ]);
    const attempt = list[2] as AuditEvent;
    expect(attempt).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106' },
      subtype: [{ system: AUDIT_ACTION_SYSTEM, code: 'delivery-attempt' }],
      action: 'E',
      recorded: '2026-11-19T09:00:01.000Z',
      outcome: '4',
      outcomeDesc: 'The provider’s server answered 503, "busy" — trying again.',
      agent: [{ who: { identifier: { value: 'hub' } }, requestor: false }],
      source: { site: 'https://hub.example.test' },
    });
    expect(attempt.entity?.[0]).toMatchObject({
      what: { type: 'ServiceRequest', identifier: { system: ID_SYSTEM.referral, value: 'ref-1' } },
      detail: [{ type: 'attempt', valueString: '1' }],
    });
    expect(attempt.entity?.[1]).toMatchObject({
      what: { type: 'Organization', identifier: { system: ID_SYSTEM.provider, value: 'local-oh-service' } },
    });
    expect(list[1]?.agent?.[0]).toMatchObject({ name: 'Referral coordinator (synthetic)', requestor: true });
  });

  it("never shows another practice's records, and audits each read as audit-read", async () => {
    const res = await get('/audit', otherItLead);
    expect(events(res.body).map((e) => e.entity?.[0]?.what?.identifier?.value)).toEqual(['ref-other']);
    const reads = await store.listAudit({ action: 'audit-read' });
    expect(reads).toEqual([
      expect.objectContaining({
        agent: 'staff:it-lead-b88888',
        practiceOds: 'B88888',
        outcome: '0',
        detail: expect.objectContaining({ text: 'Other IT lead read the audit trail (1 record).', count: 1 }),
      }),
    ]);
    // The next read sees the previous one.
    const again = events((await get('/audit?action=audit-read', otherItLead)).body);
    expect(again).toHaveLength(1);
    expect(again[0]?.type).toMatchObject({ code: '110112' });
  });

  it.each<[string, string[]]>([
    ['action=referral-accepted', ['referral-accepted']],
    ['referral=ref-1', ['inbox-view', 'delivery-attempt', 'referral-accepted']],
    ['provider=local-oh-service&_count=2', ['inbox-view', 'delivery-attempt']],
    ['since=2026-11-20', ['config-read', 'inbox-view']],
    ['until=2026-11-20', ['inbox-view', 'delivery-attempt', 'referral-accepted']],
    ['since=2026-11-19T09:00:01Z&until=2026-11-21T08:00:00Z', ['inbox-view', 'delivery-attempt']],
    ['since=2026-11-19T09:00:00.500%2B00:00', ['config-read', 'inbox-view', 'delivery-attempt']],
    ['provider=nobody', []],
  ])('filters: %s', async (query, actions) => {
    const res = await get(`/audit?${query}`);
    expect(res.statusCode).toBe(200);
    expect(events(res.body).map((e) => e.subtype?.[0]?.code)).toEqual(actions);
  });

  it.each<[string, RegExp]>([
    ['since=yesterday', /since "yesterday" is not a date/],
    ['since=2026-02-30', /not a real date/],
    ['until=2026-11-21T25:00:00Z', /not a real date and time/],
    ['since=2026-11-21T10:00:00', /not a date/],
    ['since=2026-11-21&until=2026-11-20', /is not before until/],
    ['_count=0', /_count "0" is not a number from 1 to 1000/],
    ['_count=1001', /from 1 to 1000/],
    ['_count=ten', /from 1 to 1000/],
    [
      'action=delete-everything',
      /action "delete-everything" is not one the hub records\. Use one of: referral-accepted/,
    ],
    ['action=config-read&action=inbox-view', /Give action once/],
    ['referral=%3Cscript%3E', /referral is not a referral id/],
    ['provider=', /provider is empty/],
    ['format=xml', /format "xml" is not one the hub gives/],
    ['date=2026-11-21', /cannot be searched by "date"/],
  ])('refuses %s with a 400 OperationOutcome', async (query, text) => {
    const res = await get(`/audit?${query}`);
    expect(res.statusCode).toBe(400);
    expect(problemText(res.body)).toMatch(text);
  });

  it('gives CSV for format=csv or Accept: text/csv, formulas defused, quotes escaped', async () => {
    for (const [url, headers] of [
      ['/audit?format=csv', {}],
      ['/audit', { accept: 'text/csv' }],
    ] as const) {
      const res = await get(url, itLead, headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="audit-A99999-2026-11-21.csv"');
      const lines = res.body
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      expect(lines[0]).toBe('id,recorded,action,what,outcome,agent,referral,provider,text');
      // The seeded four (and, the second time, the first CSV read), newest first.
      expect(lines.length).toBeGreaterThanOrEqual(5);
      expect(lines.at(-3)).toContain(
        `,inbox-view,Referral viewed in the provider inbox,0 success,Referral coordinator (synthetic) (staff:coordinator-local-oh-service),ref-1,local-oh-service,"'=HYPERLINK(""http://x"") opened it"`,
      );
      expect(lines.at(-2)).toContain(',4 minor failure,hub,ref-1,');
      expect(lines.at(-4)).toMatch(/^4,2026-11-21T08:00:00\.000Z,config-read,/);
    }
    const reads = await store.listAudit({ action: 'audit-read' });
    expect(reads[0]?.detail?.text).toMatch(/as CSV/);
  });

  it.each<[string, () => string, number, RegExp]>([
    ['no token', () => '', 401, /no sign-in token/],
    ['provider staff', () => providerStaff, 403, /Only the practice’s IT lead can see this/],
  ])(
    'refuses %s with an OperationOutcome, audited as access-refused',
    async (_name, bearer, status, text) => {
      const res = await get('/audit', bearer());
      expect(res.statusCode).toBe(status);
      expect(problemText(res.body)).toMatch(text);
      const refused = await store.listAudit({ action: 'access-refused' });
      expect(refused[0]).toMatchObject({ detail: expect.objectContaining({ path: '/audit', status }) });
      if (status === 403) expect(refused[0]?.agent).toBe('staff:coordinator-local-oh-service');
    },
  );

  it("shows refusals that concern the practice: its IT lead's own, and calls about its referrals", async () => {
    const bundle = peterReferral();
    const sr = bundle.entry?.[0]?.resource as { identifier?: Array<{ system?: string; value?: string }> };
    const id = sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value as string;
    await store.acceptReferral(
      {
        id,
        practiceOds: 'A99999',
        ehrBaseUrl: 'https://ehr.example.test/fhir',
        patientId: 'peter',
        providerId: 'case-managed-support',
        deliveryMode: 'hub-inbox',
        bundle,
        sentBy: 'Practitioner/gp-1',
      },
      NOW,
    );
    // An IT lead is not provider staff; provider staff without a provider are refused before that.
    expect((await get(`/inbox/api/referrals/${id}`, itLead)).statusCode).toBe(403);
    const unlinked = await token({ sub: 'unlinked', fitnote_role: 'provider-staff' });
    expect((await get(`/inbox/api/referrals/${id}`, unlinked)).statusCode).toBe(403);
    expect((await get('/inbox/api/referrals/no-such-referral', unlinked)).statusCode).toBe(403);
    const refused = events((await get('/audit?action=access-refused')).body);
    expect(
      refused.map((e) => [e.agent?.[0]?.who?.identifier?.value, e.entity?.[0]?.what?.identifier?.value]),
    ).toEqual([
      ['unknown', id],
      ['staff:it-lead-a99999', id],
    ]);
    expect(events((await get('/audit?action=access-refused', otherItLead)).body)).toEqual([]);
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await get('/audit', itLead, {}, 'DELETE');
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, OPTIONS');
  });
});

describe('parseAuditTime and auditCsv', () => {
  it.each([
    ['since', '2026-11-20', '2026-11-20T00:00:00.000Z'], // GMT
    ['until', '2026-11-20', '2026-11-21T00:00:00.000Z'],
    ['since', '2026-07-01', '2026-06-30T23:00:00.000Z'], // BST: the UK day starts at 23:00 UTC
    ['until', '2026-03-29', '2026-03-29T23:00:00.000Z'], // the day the clocks go forward
    ['since', '2026-07-01T09:00:00+01:00', '2026-07-01T08:00:00.000Z'],
  ] as const)('%s=%s is %s', (name, value, iso) => {
    expect(new Date(parseAuditTime(name, value)).toISOString()).toBe(iso);
  });

  it('gives just the header for no records', () => {
    expect(auditCsv([])).toBe('\uFEFFid,recorded,action,what,outcome,agent,referral,provider,text\r\n');
  });
});
