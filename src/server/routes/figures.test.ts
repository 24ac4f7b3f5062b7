/**
 * The figures end to end through buildHub: a GP (a real sandbox SMART token) reports what was done
 * with prompts and sends referrals, providers answer them, and the IT lead (a staff token from a local
 * stand-in issuer) reads the figures and the CSV. Expected counts are worked out by hand below.
 */

import type { ServiceRequest } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { ID_SYSTEM } from '../../domain/codes.js';
import type { FiguresReport } from '../../domain/figures.js';
import { type RunningSandbox, startSandbox } from '../../sandbox/server.js';
import { buildHub } from '../app.js';
import { startTestIssuer, type TestIssuer } from '../auth/testSupport.js';
import { examplesConfigSource } from '../config/files.js';
import { openStore } from '../store/index.js';
import type { HubStore } from '../store/types.js';
import { caller, peterReferral, type SandboxToken, sandboxToken } from '../testSupport.js';
import { FEEDBACK_PATH } from './feedback.js';

const AUDIENCE = 'urn:fitnote-prompt:hub';
let clock = Date.parse('2026-11-21T12:00:00Z');

let sandbox: RunningSandbox;
let testIssuer: TestIssuer;
let store: HubStore;
let app: FastifyInstance;
let hubUrl = '';
const hub = { inject: caller(() => hubUrl) };
let peter: SandboxToken;
let itLead: string;
let providerStaff: string;

jest.setTimeout(30_000);

const gpHeaders = () => ({
  authorization: `Bearer ${peter.access_token}`,
  'x-ehr-fhir-base': sandbox.fhirBaseUrl,
  'content-type': 'application/fhir+json',
});

function item(card: string, ruleId: string, action: string, at: string, more: Record<string, unknown> = {}) {
  const { outcome, overrideReason, ...ext } = more;
  return {
    card,
    outcomeTimestamp: at,
    ...(outcome ? { outcome } : {}),
    ...(overrideReason ? { overrideReason } : {}),
    extension: { 'fitnote-prompt': { practice: 'A99999', ruleId, action, ...ext } },
  };
}

async function sendReferral(episodeStart: string, at: string): Promise<string> {
  clock = Date.parse(at);
  const bundle = peterReferral({ episode: { start: episodeStart } });
  const res = await hub.inject({
    method: 'POST',
    url: '/referrals',
    headers: gpHeaders(),
    payload: JSON.stringify(bundle),
  });
  expect(res.statusCode).toBe(201);
  const sr = bundle.entry?.[0]?.resource as ServiceRequest;
  return (sr.identifier ?? []).find((i) => i.system === ID_SYSTEM.referral)?.value as string;
}

const itLeadGet = (url: string) => hub.inject({ url, headers: { authorization: `Bearer ${itLead}` } });

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', hub: false });
  testIssuer = await startTestIssuer(AUDIENCE);
  store = await openStore({ sqlitePath: ':memory:' });
  app = buildHub({
    store,
    settings: {
      ehrBases: [sandbox.fhirBaseUrl],
      introspectionClient: sandbox.introspectionClient,
      corsOrigins: [],
      validateProfiles: false,
      oidc: { issuer: testIssuer.issuer, audience: AUDIENCE },
    },
    configSource: examplesConfigSource(),
    now: () => clock,
  });
  hubUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  peter = await sandboxToken(sandbox, 'peter');
  itLead = await testIssuer.token({
    sub: 'it-lead-a99999',
    name: 'IT lead (synthetic)',
    fitnote_role: 'it-lead',
    fitnote_practice: 'A99999',
  });
  providerStaff = await testIssuer.token({
    sub: 'coordinator',
    name: 'Coordinator',
    fitnote_role: 'provider-staff',
    fitnote_provider: 'case-managed-support',
  });

  // Referrals to case-managed-support (times in UTC; October is BST, November GMT):
  // X sent 10 Oct 09:10, accepted 12 Oct 09:10 (2 days), completed 1 Nov.
  const x = await sendReferral('2026-09-01', '2026-10-10T09:10:00Z');
  await store.updateStatus(x, { status: 'accepted' }, 'provider', Date.parse('2026-10-12T09:10:00Z'));
  await store.updateStatus(x, { status: 'completed' }, 'provider', Date.parse('2026-11-01T10:00:00Z'));
  // Y sent 3 Nov 10:00, declined 4 Nov 22:00 (1.5 days): no capacity, in the words the inbox stores.
  const y = await sendReferral('2026-10-01', '2026-11-03T10:00:00Z');
  await store.updateStatus(
    y,
    {
      status: 'rejected',
      statusReason: 'The service cannot take new referrals at the moment: full until January.',
    },
    'provider',
    Date.parse('2026-11-04T22:00:00Z'),
  );
  // Z sent 6 Nov, not answered. W sent 31 Aug 23:30 UTC = 00:30 BST 1 Sep: outside an Oct–Nov window.
  await sendReferral('2026-11-01', '2026-11-06T10:00:00Z');
  await sendReferral('2026-08-01', '2026-08-31T23:30:00Z');
  clock = Date.parse('2026-11-21T12:00:00Z');

  // What the GP did with prompts.
  const feedback = [
    // c1 six-weeks-oh: shown on two launches in October (one prompt), acted on (referral X).
    item('c1', 'six-weeks-oh', 'shown', '2026-10-03T09:00:00Z'),
    item('c1', 'six-weeks-oh', 'shown', '2026-10-10T09:00:00Z'),
    item('c1', 'six-weeks-oh', 'referred', '2026-10-10T09:10:00Z', {
      outcome: 'accepted',
      referralId: x,
      providerId: 'case-managed-support',
    }),
    // c2 six-weeks-oh: shown and overridden in November (employer OH).
    item('c2', 'six-weeks-oh', 'shown', '2026-11-02T09:00:00Z'),
    item('c2', 'six-weeks-oh', 'overridden', '2026-11-02T09:01:00Z', {
      outcome: 'overridden',
      overrideReason: { reason: { code: 'employer-oh-in-place' }, userComment: 'private' },
    }),
    // c3 two-weeks-early-advice: shown and snoozed in November; c4: self-referral details given.
    item('c3', 'two-weeks-early-advice', 'shown', '2026-11-05T09:00:00Z'),
    item('c3', 'two-weeks-early-advice', 'snoozed', '2026-11-05T09:02:00Z', { snooze: 'until-date' }),
    item('c4', 'two-weeks-early-advice', 'shown', '2026-11-06T09:00:00Z'),
    item('c4', 'two-weeks-early-advice', 'self-referral', '2026-11-06T09:03:00Z', { outcome: 'accepted' }),
    // c5 shown in September: outside the window.
    item('c5', 'six-weeks-oh', 'shown', '2026-09-15T09:00:00Z'),
  ];
  const res = await hub.inject({
    method: 'POST',
    url: FEEDBACK_PATH,
    headers: gpHeaders(),
    payload: JSON.stringify({ feedback }),
  });
  expect(res.json()).toEqual({ stored: 10 });
}, 60_000);

afterAll(async () => {
  await app.close();
  await store.close();
  await testIssuer.close();
  await sandbox.close();
});

describe('GET /admin/api/figures', () => {
  it('counts the prompts per rule and month, from the recorded events', async () => {
    const res = await itLeadGet('/admin/api/figures?from=2026-10&to=2026-11');
    expect(res.statusCode).toBe(200);
    const report = res.json() as FiguresReport;
    expect(report.months).toEqual(['2026-10', '2026-11']);
    // The live rules come first, in their order, with their titles.
    expect(report.rules[0]).toMatchObject({
      ruleId: 'two-weeks-early-advice',
      title: 'Off work two weeks: offer early work and health advice',
    });
    const six = report.rules.find((r) => r.ruleId === 'six-weeks-oh');
    expect(six?.title).toBe('Off work six weeks: offer an occupational health assessment');
    // October: c1 shown (twice → 1), referred. November: c2 shown, overridden (employer OH).
    expect(
      six?.months.map((m) => [m.month, m.shown, m.referred, m.selfReferral, m.snoozed, m.overridden]),
    ).toEqual([
      ['2026-10', 1, 1, 0, 0, 0],
      ['2026-11', 1, 0, 0, 0, 1],
    ]);
    expect(six?.months[1]?.overriddenByReason['employer-oh-in-place']).toBe(1);
    // two-weeks-early-advice, November: c3 and c4 shown; c3 snoozed; c4 self-referral.
    const two = report.rules.find((r) => r.ruleId === 'two-weeks-early-advice');
    expect(
      two?.months.map((m) => [m.month, m.shown, m.referred, m.selfReferral, m.snoozed, m.overridden]),
    ).toEqual([
      ['2026-10', 0, 0, 0, 0, 0],
      ['2026-11', 2, 0, 1, 1, 0],
    ]);
    // c1, c2, c3, c4 (c5 is September).
    expect(report.totals.prompts).toMatchObject({
      shown: 4,
      referred: 1,
      selfReferral: 1,
      snoozed: 1,
      overridden: 1,
    });
  });

  it('counts the referrals per provider and month sent, with the median days to acknowledgement', async () => {
    const report = (await itLeadGet('/admin/api/figures?from=2026-10&to=2026-11')).json() as FiguresReport;
    const cms = report.providers.find((p) => p.providerId === 'case-managed-support');
    expect(cms?.name).toBeTruthy();
    // October: X sent, accepted, completed, answered after 2 days.
    expect(cms?.months[0]).toMatchObject({
      month: '2026-10',
      sent: 1,
      accepted: 1,
      rejected: 0,
      completed: 1,
      medianDaysToAcknowledge: 2,
    });
    // November: Y (declined after 1.5 days, no capacity) and Z (no answer) sent.
    expect(cms?.months[1]).toMatchObject({
      month: '2026-11',
      sent: 2,
      accepted: 0,
      rejected: 1,
      completed: 0,
      acknowledged: 1,
      medianDaysToAcknowledge: 1.5,
    });
    expect(cms?.months[1]?.rejectedByReason['no-capacity']).toBe(1);
    // Over the window: answers after 2 and 1.5 days → median 1.75 → 1.8. W (September) is not counted.
    expect(cms?.totals).toMatchObject({
      sent: 3,
      accepted: 1,
      rejected: 1,
      completed: 1,
      medianDaysToAcknowledge: 1.8,
    });
    expect(report.totals.referrals.sent).toBe(3);
    // Every directory provider is listed, with or without referrals.
    expect(report.providers.length).toBeGreaterThan(1);
  });

  it('gives the same figures as CSV, as an attachment', async () => {
    const res = await itLeadGet('/admin/api/figures?from=2026-10&to=2026-11&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="figures-A99999-2026-10-2026-11.csv"',
    );
    const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toMatch(/^Kind,Month,Rule id,Rule,Provider id,Provider,Prompts shown,/);
    const six = lines.filter((l) => l.startsWith('rule,') && l.includes(',six-weeks-oh,'));
    expect(six).toHaveLength(2);
    expect(six[0]).toMatch(
      /^rule,2026-10,six-weeks-oh,Off work six weeks: offer an occupational health assessment,,,1,1,0,0,0,/,
    );
    const cms = lines.filter((l) => l.startsWith('provider,2026-11,,,case-managed-support,'));
    expect(cms).toHaveLength(1);
    // sent 2, accepted 0, rejected 1, by reason (no-capacity 1 of 7), completed 0, cancelled 0, answered 1, median 1.5.
    expect(cms[0]).toMatch(/,2,0,1,0,0,1,0,0,0,0,0,0,1,1\.5$/);
  });

  it('defaults to the last 6 months including this one', async () => {
    const report = (await itLeadGet('/admin/api/figures')).json() as FiguresReport;
    expect([report.from, report.to]).toEqual(['2026-06', '2026-11']);
    expect(report.totals.prompts.shown).toBe(5); // c5 in September now counts
    expect(report.totals.referrals.sent).toBe(4); // and so does W (1 September, London)
  });

  it.each([
    ['?from=2026-13', 'from'],
    ['?from=2026-10&to=2026-12', 'to'],
    ['?from=2026-11&to=2026-10', 'from'],
    ['?from=2026-10&week=1', undefined],
    ['?format=xml', 'format'],
  ])('400 for %s', async (query, expression) => {
    const res = await itLeadGet(`/admin/api/figures${query}`);
    expect(res.statusCode).toBe(400);
    const issue = (res.json() as { issue: Array<{ expression?: string[]; diagnostics: string }> }).issue[0];
    expect(issue?.expression?.[0]).toBe(expression);
    expect(issue?.diagnostics.length).toBeGreaterThan(20);
  });

  it.each([
    ['no token', undefined, 401],
    ['a provider’s staff', () => providerStaff, 403],
    ['a GP’s SMART token', () => peter.access_token, 401],
  ])('refuses %s', async (_who, token, status) => {
    const t = token?.();
    const res = await hub.inject({
      url: '/admin/api/figures',
      headers: t === undefined ? {} : { authorization: `Bearer ${t}` },
    });
    expect(res.statusCode).toBe(status);
  });
});
