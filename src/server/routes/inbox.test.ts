/**
 * The provider inbox's API and pages at a listening hub (real SQLite store in memory). Staff tokens are
 * signed here with jose and checked by the hub's real StaffTokenChecker through a tiny local OpenID
 * discovery + JWKS server, as the sandbox's OpenID provider would publish them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { peterForm } from '../../../tests/fixtures/referralForms.js';
import { ID_SYSTEM } from '../../domain/codes.js';
import type { ReferralOutcome } from '../../domain/outcome.js';
import { buildHub } from '../app.js';
import { startTestIssuer, type TestIssuer } from '../auth/testSupport.js';
import { examplesConfigSource } from '../config/files.js';
import { openStore } from '../store/index.js';
import type { HubStore, NewReferral } from '../store/types.js';
import { type CallResult, caller, peterReferral } from '../testSupport.js';
import type { InboxDetail, InboxList } from './inbox.js';

const AUDIENCE = 'urn:fitnote-prompt:hub';
const PROVIDER = 'case-managed-support';
const T0 = Date.parse('2026-11-20T10:30:00Z');

let testIssuer: TestIssuer;
let issuer = '';
let store: HubStore;
let app: FastifyInstance;
let bareApp: FastifyInstance;
let hubUrl = '';
let bareUrl = '';
let webRoot: string;
let clock = T0;
const hub = caller(() => hubUrl);
const bare = caller(() => bareUrl);

jest.setTimeout(20_000);

const token = (claims: Record<string, unknown>, options: { expiresIn?: string; aud?: string } = {}) =>
  testIssuer.token({ name: 'Sam Synthetic (test)', sub: 'staff-sam', ...claims }, options);

let staff: string;
let otherProviderStaff: string;
let itLead: string;

const auth = (t: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...extra });
const json = { 'content-type': 'application/json' };

/** Peter's referral for an episode starting `episodeStart` (so each has its own business identifier). */
function referralFor(
  episodeStart: string,
  form = peterForm(),
  practice = { odsCode: 'A99999', name: 'Example Street Surgery' },
): Bundle {
  return peterReferral({ episode: { start: episodeStart }, form, practice });
}

function idOf(bundle: Bundle): string {
  const sr = bundle.entry?.[0]?.resource as { identifier?: Array<{ system?: string; value?: string }> };
  return sr.identifier?.find((i) => i.system === ID_SYSTEM.referral)?.value as string;
}

async function accept(bundle: Bundle, at: number, overrides: Partial<NewReferral> = {}): Promise<string> {
  const id = idOf(bundle);
  await store.acceptReferral(
    {
      id,
      practiceOds: 'A99999',
      ehrBaseUrl: 'https://ehr.example.test/fhir',
      patientId: 'peter',
      providerId: PROVIDER,
      deliveryMode: 'hub-inbox',
      bundle,
      sentBy: 'Practitioner/gp-1',
      ...overrides,
    },
    at,
  );
  return id;
}

function problems(res: CallResult): string {
  expect(res.headers['content-type']).toContain('application/fhir+json');
  const outcome = res.json() as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return (outcome.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? '').join(' ');
}

let peterId: string;
let privateId: string;
let otherPracticeId: string;
let foreignId: string;

beforeAll(async () => {
  testIssuer = await startTestIssuer(AUDIENCE);
  issuer = testIssuer.issuer;

  webRoot = mkdtempSync(path.join(tmpdir(), 'inbox-web-'));
  mkdirSync(path.join(webRoot, 'inbox'), { recursive: true });
  mkdirSync(path.join(webRoot, 'app', 'assets'), { recursive: true });
  writeFileSync(path.join(webRoot, 'inbox', 'index.html'), '<!doctype html><title>Inbox</title>');
  writeFileSync(path.join(webRoot, 'app', 'assets', 'inbox-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(webRoot, 'secret.txt'), 'not for you');

  store = await openStore({ sqlitePath: ':memory:' });
  const base = { ehrBases: ['https://ehr.example.test/fhir'], corsOrigins: [], validateProfiles: false };
  app = buildHub({
    store,
    settings: { ...base, oidc: { issuer, audience: AUDIENCE } },
    configSource: examplesConfigSource(),
    now: () => clock,
    webRoot,
  });
  bareApp = buildHub({
    store,
    settings: base,
    configSource: examplesConfigSource(),
    webRoot: path.join(webRoot, 'nothing-built'),
  });
  hubUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  bareUrl = await bareApp.listen({ port: 0, host: '127.0.0.1' });

  staff = await token({ fitnote_role: 'provider-staff', fitnote_provider: PROVIDER });
  otherProviderStaff = await token({
    sub: 'staff-other',
    fitnote_role: 'provider-staff',
    fitnote_provider: 'work-coach-service',
  });
  itLead = await token({ sub: 'lead', fitnote_role: 'it-lead', fitnote_practice: 'A99999' });

  peterId = await accept(referralFor('2026-10-24'), T0);
  // Peter again, for another episode, sharing only the diagnosis: no name, no NHS number, no phone.
  privateId = await accept(
    referralFor(
      'peter-private',
      peterForm({ shareWithProvider: ['diagnosis'], contact: { preferredMethod: 'letter' } }),
    ),
    T0 + 60_000,
  );
  otherPracticeId = await accept(
    referralFor('2026-08-01', peterForm(), { odsCode: 'B12345', name: 'Synthetic Lane Practice' }),
    T0 + 120_000,
    { practiceOds: 'B12345' },
  );
  foreignId = await accept(referralFor('2026-07-01'), T0 + 180_000, { providerId: 'work-coach-service' });
});

afterAll(async () => {
  await app.close();
  await bareApp.close();
  await store.close();
  await testIssuer.close();
  rmSync(webRoot, { recursive: true, force: true });
});

describe('GET /inbox/api/sign-in', () => {
  it('says where staff sign in', async () => {
    const res = await hub({ url: '/inbox/api/sign-in' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ issuer, clientId: 'provider-inbox', resource: AUDIENCE });
  });

  it('answers 503 in plain English when staff sign-in is not set up', async () => {
    const res = await bare({ url: '/inbox/api/sign-in' });
    expect(res.statusCode).toBe(503);
    expect(problems(res)).toContain('HUB_OIDC_ISSUER');
  });
});

describe('who may use the inbox API', () => {
  it.each<[string, () => Record<string, string>, number, string]>([
    ['no token', () => ({}), 401, 'Sign in'],
    ['a token for another audience', () => ({ authorization: 'Bearer x.y.z' }), 401, 'Sign in again'],
    ['an IT lead', () => auth(itLead), 403, 'provider'],
  ])('refuses %s', async (_, headers, status, text) => {
    const res = await hub({ url: '/inbox/api/referrals', headers: headers() });
    expect(res.statusCode).toBe(status);
    expect(problems(res)).toContain(text);
  });

  it('refuses an expired sign-in with "sign in again"', async () => {
    const old = await new SignJWT({ fitnote_role: 'provider-staff', fitnote_provider: PROVIDER })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject('staff-sam')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(testIssuer.privateKey);
    const res = await hub({ url: '/inbox/api/referrals', headers: auth(old) });
    expect(res.statusCode).toBe(401);
    expect(problems(res)).toContain('expired');
  });

  it('answers 503 when staff sign-in is not set up', async () => {
    expect((await bare({ url: '/inbox/api/referrals', headers: auth(staff) })).statusCode).toBe(503);
  });
});

describe('GET /inbox/api/referrals', () => {
  it('lists the provider’s referrals grouped by practice, newest first, with counts and actions', async () => {
    const res = await hub({ url: '/inbox/api/referrals', headers: auth(staff) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const list = res.json() as InboxList;
    expect(list.filter).toBe('open');
    expect(list.practices.map((p) => [p.odsCode, p.name, p.referrals.map((r) => r.id)])).toEqual([
      ['B12345', 'Synthetic Lane Practice', [otherPracticeId]],
      ['A99999', 'Example Street Surgery', [privateId, peterId]],
    ]);
    const [privateItem, peterItem] = list.practices[1]?.referrals ?? [];
    expect(peterItem).toEqual({
      id: peterId,
      status: 'requested',
      statusText: 'Waiting for you',
      receivedAt: '2026-11-20T10:30:00.000Z',
      patient: 'Peter Example',
      services: ['Case management', 'Workplace mediation'],
      actions: ['accept', 'decline'],
    });
    expect(privateItem?.patient).toBe('Patient (name not shared)');
    expect(res.body).not.toContain(foreignId);
    expect(list.counts).toMatchObject({ open: 3, requested: 3, all: 3, completed: 0 });
  });

  it.each([
    ['requested', 3],
    ['completed', 0],
    ['all', 3],
  ])('filters by status=%s', async (status, count) => {
    const list = (
      await hub({ url: `/inbox/api/referrals?status=${status}`, headers: auth(staff) })
    ).json() as InboxList;
    expect(list.filter).toBe(status);
    expect(list.practices.flatMap((p) => p.referrals)).toHaveLength(count);
  });

  it('refuses a status it does not know with 400', async () => {
    const res = await hub({ url: '/inbox/api/referrals?status=lost', headers: auth(staff) });
    expect(res.statusCode).toBe(400);
    expect(problems(res)).toContain('open, requested');
  });

  it('shows another provider’s staff only their own referrals', async () => {
    const list = (
      await hub({ url: '/inbox/api/referrals?status=all', headers: auth(otherProviderStaff) })
    ).json() as InboxList;
    expect(list.practices.flatMap((p) => p.referrals.map((r) => r.id))).toEqual([foreignId]);
  });
});

describe('GET /inbox/api/referrals/:id', () => {
  it('gives what the patient agreed to share, and audits the view under the staff member', async () => {
    clock = T0 + 300_000;
    const res = await hub({ url: `/inbox/api/referrals/${peterId}`, headers: auth(staff) });
    expect(res.statusCode).toBe(200);
    const detail = res.json() as InboxDetail;
    expect(detail).toMatchObject({
      id: peterId,
      status: 'requested',
      actions: ['accept', 'decline'],
      referral: {
        patient: { displayName: 'Peter Example', nhsNumber: '9990000026' },
        requester: { gp: 'Dr A Example', practice: { odsCode: 'A99999' } },
        interpreter: { needed: false },
      },
    });
    expect(detail.timeline.map((t) => t.text)).toEqual([
      'The referral was sent by Example Street Surgery.',
      'Sam Synthetic (test) opened the referral.',
    ]);
    const audit = await store.listAudit({ referralId: peterId, action: 'inbox-view' });
    expect(audit.map((a) => [a.agent, a.providerId, a.at])).toEqual([['staff:staff-sam', PROVIDER, clock]]);
  });

  it('leaves out what was not agreed: no name, NHS number, phone, diagnosis codes or job', async () => {
    const res = await hub({ url: `/inbox/api/referrals/${privateId}`, headers: auth(staff) });
    expect(res.statusCode).toBe(200);
    for (const text of ['Peter Example', '9990000026', '07700', 'Call-centre', 'Example Contact Centre'])
      expect(res.body).not.toContain(text);
    const detail = res.json() as InboxDetail;
    expect(detail.referral.patient).toEqual({ displayName: 'Patient (name not shared)' });
    expect(detail.referral).not.toHaveProperty('employment');
  });

  it.each([
    ['another provider’s referral', () => foreignId],
    ['an unknown id', () => 'no-such-referral'],
    ['a malformed id', () => 'bad%20id'],
  ])('answers 404 for %s', async (_, id) => {
    const res = await hub({ url: `/inbox/api/referrals/${id()}`, headers: auth(staff) });
    expect(res.statusCode).toBe(404);
    expect(problems(res)).toContain('There is no referral');
  });
});

describe('POST /inbox/api/referrals/:id/actions', () => {
  const act = (id: string, body: unknown, t = staff) =>
    hub({
      method: 'POST',
      url: `/inbox/api/referrals/${id}/actions`,
      headers: auth(t, json),
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const outcome: ReferralOutcome = {
    returnToWorkGoal: 'same-role',
    adjustments: [{ code: 'phased-return', text: 'Half days for two weeks' }],
    report: { title: 'Case management summary', text: 'Peter is ready for a phased return.' },
  };

  it.each<[string, unknown, number, string]>([
    ['an unknown action', { action: 'archive' }, 400, 'action'],
    ['a decline for "other" without text', { action: 'decline', reason: 'other' }, 400, 'say why'],
    ['a bad booking date', { action: 'scheduled', date: '21/11/2026' }, 400, 'YYYY-MM-DD'],
    ['unreadable JSON', '{"action":', 400, ''],
    ['completing before accepting', { action: 'complete', outcome }, 409, 'cannot be completed'],
  ])('refuses %s', async (_, body, status, text) => {
    const res = await act(peterId, body);
    expect(res.statusCode).toBe(status);
    expect(problems(res)).toContain(text);
  });

  it('answers 404 for another provider’s referral, whatever the body', async () => {
    expect((await act(foreignId, { action: 'accept' })).statusCode).toBe(404);
    expect((await act(foreignId, { nonsense: true })).statusCode).toBe(404);
  });

  it('takes a referral from accepted through contacted and booked to completed with an outcome', async () => {
    clock = T0 + 400_000;
    let res = await act(peterId, { action: 'accept' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as InboxDetail).status).toBe('accepted');
    // A retried accept (the answer was lost) changes nothing and is not a conflict.
    res = await act(peterId, { action: 'accept' });
    expect(res.statusCode).toBe(200);
    res = await act(peterId, { action: 'contacted' });
    expect(res.json()).toMatchObject({ status: 'in-progress', businessStatusText: 'Patient contacted' });
    res = await act(peterId, { action: 'scheduled', date: '2026-11-27' });
    expect(res.json()).toMatchObject({
      businessStatus: 'scheduled',
      statusReason: 'Appointment on 2026-11-27.',
    });
    res = await act(peterId, { action: 'complete', outcome });
    expect(res.statusCode).toBe(200);
    const detail = res.json() as InboxDetail;
    expect(detail).toMatchObject({ status: 'completed', statusText: 'Completed', actions: [], outcome });
    expect(detail.timeline.map((t) => t.text).slice(2)).toEqual([
      'Sam Synthetic (test) accepted the referral.',
      'Sam Synthetic (test) updated the referral: Patient contacted.',
      'Sam Synthetic (test) updated the referral: Appointment booked (Appointment on 2026-11-27).',
      'Sam Synthetic (test) completed the referral and reported the outcome.',
    ]);
    const list = (
      await hub({ url: '/inbox/api/referrals?status=completed', headers: auth(staff) })
    ).json() as InboxList;
    expect(list.practices.flatMap((p) => p.referrals.map((r) => r.id))).toEqual([peterId]);
  });

  it('declines with a reason', async () => {
    const res = await act(privateId, { action: 'decline', reason: 'no-capacity' });
    expect(res.json()).toMatchObject({
      status: 'rejected',
      statusReason: 'The service cannot take new referrals at the moment.',
    });
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await hub({
      method: 'GET',
      url: `/inbox/api/referrals/${peterId}/actions`,
      headers: auth(staff),
    });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
    expect((await hub({ method: 'DELETE', url: '/inbox/api/referrals' })).statusCode).toBe(405);
  });
});

describe('the inbox pages', () => {
  it.each(['/inbox/', '/inbox/referrals/abc', '/inbox/index.html'])(
    'serves the inbox page at %s',
    async (url) => {
      const res = await hub({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>Inbox</title>');
    },
  );

  it('sends /inbox to /inbox/', async () => {
    const res = await hub({ url: '/inbox' });
    expect(res.statusCode).toBe(308);
    expect(res.headers.location).toBe('/inbox/');
  });

  it('serves built chunks as immutable, with their type', async () => {
    const res = await hub({ url: '/app/assets/inbox-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it.each([
    '/app/assets/missing.js',
    '/app/assets/..%2F..%2Fsecret.txt',
    '/app/assets/.hidden.js',
    '/inbox/api/nothing',
  ])('answers 404 with an OperationOutcome for %s', async (url) => {
    const res = await hub({ url });
    expect(res.statusCode).toBe(404);
    problems(res);
    expect(res.body).not.toContain('not for you');
  });

  it('says in plain English when the inbox has not been built', async () => {
    const res = await bare({ url: '/inbox/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('The provider inbox is not available');
  });
});
