/**
 * hubReferralsClient against a referral hub mocked at the network layer (msw): what it sends, how it
 * reads the hub's views, and the plain-English errors it gives. The real hub is exercised in
 * tests/e2e/referral-progress.test.ts.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { canCancel, hubReferralsClient } from './hubReferrals.js';

const HUB = 'http://hub.test';
const EHR = 'http://ehr.test/fhir';

const view = (over: object = {}) => ({
  id: 'ref-1',
  status: 'requested',
  deliveryState: 'delivered',
  provider: { id: 'case-managed-support', name: 'Pennine Work and Wellbeing', phone: '0113 496 0000' },
  practiceOds: 'Y12345',
  patientId: 'peter',
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:01.000Z',
  timeline: [{ at: '2026-11-21T10:00:00.000Z', event: 'accepted', text: 'The hub received the referral.' }],
  ...over,
});

const received: { method: string; url: string; auth: string | null; ehr: string | null; body: unknown }[] =
  [];
let listAnswer: () => Response = () => HttpResponse.json({ referrals: [view()] });
let cancelAnswer: () => Response = () =>
  HttpResponse.json(view({ status: 'cancelled', statusReason: 'Patient back at work' }));

const server = setupServer(
  http.get(`${HUB}/referrals`, ({ request }) => {
    received.push({
      method: 'GET',
      url: request.url,
      auth: request.headers.get('authorization'),
      ehr: request.headers.get('x-ehr-fhir-base'),
      body: undefined,
    });
    return listAnswer();
  }),
  http.post(`${HUB}/referrals/:id/cancel`, async ({ request }) => {
    received.push({
      method: 'POST',
      url: request.url,
      auth: request.headers.get('authorization'),
      ehr: request.headers.get('x-ehr-fhir-base'),
      body: await request.json(),
    });
    return cancelAnswer();
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  received.length = 0;
  listAnswer = () => HttpResponse.json({ referrals: [view()] });
  cancelAnswer = () => HttpResponse.json(view({ status: 'cancelled', statusReason: 'Patient back at work' }));
});
afterAll(() => server.close());

let token = 'tok-1';
const client = hubReferralsClient({
  hubUrl: `${HUB}/`,
  accessToken: () => token,
  ehrFhirBase: EHR,
  timeoutMs: 300,
});
const outcome = (text: string, status: number) =>
  HttpResponse.json(
    {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'forbidden', diagnostics: text }],
    },
    { status },
  );

describe('hubReferralsClient.list', () => {
  it('asks for the patient’s referrals with the launch’s current token and the EHR’s base', async () => {
    const referrals = await client.list('peter');
    expect(referrals).toEqual([expect.objectContaining({ id: 'ref-1', status: 'requested' })]);
    expect(referrals[0]?.timeline).toHaveLength(1);
    token = 'tok-2';
    await client.list('pe ter');
    expect(received.map((r) => [r.url, r.auth, r.ehr])).toEqual([
      [`${HUB}/referrals?patient=peter`, 'Bearer tok-1', EHR],
      [`${HUB}/referrals?patient=pe%20ter`, 'Bearer tok-2', EHR],
    ]);
    token = 'tok-1';
  });

  it('leaves out views it cannot read and keeps the rest', async () => {
    listAnswer = () => HttpResponse.json({ referrals: [{ id: 'broken' }, view({ id: 'ref-2' })] });
    expect((await client.list('peter')).map((r) => r.id)).toEqual(['ref-2']);
  });

  const outcomeGiven = {
    returnToWorkGoal: 'different-role-same-employer',
    adjustments: [{ code: 'amended-duties', text: 'No lifting for four weeks' }],
    report: { title: 'Assessment', text: 'Seen twice.' },
  };
  it.each<[string, unknown, object]>([
    ['an outcome it can read', outcomeGiven, { outcome: outcomeGiven }],
    [
      'an outcome with keys the app does not know (ignored)',
      { ...outcomeGiven, documentReference: 'DocumentReference/1' },
      { outcome: outcomeGiven },
    ],
    ['no outcome', undefined, {}],
    ['a null outcome', null, {}],
    [
      'an unknown return-to-work goal',
      { ...outcomeGiven, returnToWorkGoal: 'retire' },
      { outcomeUnreadable: true },
    ],
    [
      'an unknown adjustment code',
      { ...outcomeGiven, adjustments: [{ code: 'gym-membership', text: 'x' }] },
      { outcomeUnreadable: true },
    ],
    ['no report', { ...outcomeGiven, report: undefined }, { outcomeUnreadable: true }],
    ['a string', 'back at work', { outcomeUnreadable: true }],
  ])('reads %s and keeps the referral', async (_, given, expected) => {
    listAnswer = () =>
      HttpResponse.json({
        referrals: [view({ status: 'completed', appointmentDate: '2026-12-01', outcome: given })],
      });
    const [referral] = await client.list('peter');
    expect(referral?.id).toBe('ref-1');
    expect(referral?.appointmentDate).toBe('2026-12-01');
    expect({ outcome: referral?.outcome, outcomeUnreadable: referral?.outcomeUnreadable }).toEqual({
      outcome: undefined,
      outcomeUnreadable: undefined,
      ...expected,
    });
  });

  it.each<[string, () => Response | Promise<Response>, RegExp]>([
    [
      'a refusal, with the hub’s words',
      () => outcome('The access token is not for this patient.', 403),
      /^The referral hub could not check the progress of referrals \(HTTP 403\): The access token is not for this patient\.$/,
    ],
    [
      'a server error without words',
      () => new HttpResponse('oops', { status: 500 }),
      /HTTP 500\)\. Try again/,
    ],
    ['a network failure', () => HttpResponse.error(), /^The app could not reach the referral hub/],
    ['an answer that is not a list', () => HttpResponse.json({ nope: true }), /could not be read/],
    [
      'no answer in time',
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(HttpResponse.json({})), 1000)),
      /did not answer within 0 seconds/,
    ],
  ])('explains %s in plain English', async (_, answer, message) => {
    listAnswer = answer as () => Response;
    await expect(client.list('peter')).rejects.toThrow(message);
  });
});

describe('hubReferralsClient.cancel', () => {
  it.each<[string | undefined, object]>([
    ['  Patient back at work ', { reason: 'Patient back at work' }],
    ['   ', {}],
    [undefined, {}],
  ])('posts the reason %p as %p and returns the new view', async (reason, body) => {
    const updated = await client.cancel('ref/1', reason);
    expect(updated.status).toBe('cancelled');
    expect(received).toEqual([
      { method: 'POST', url: `${HUB}/referrals/ref%2F1/cancel`, auth: 'Bearer tok-1', ehr: EHR, body },
    ]);
  });

  it('explains a refusal with the hub’s words', async () => {
    cancelAnswer = () => outcome('The referral is already completed.', 409);
    await expect(client.cancel('ref-1')).rejects.toThrow(
      'The referral hub could not cancel the referral (HTTP 409): The referral is already completed.',
    );
  });
});

describe('canCancel', () => {
  it.each([
    ['requested', true],
    ['accepted', true],
    ['in-progress', true],
    ['completed', false],
    ['cancelled', false],
    ['rejected', false],
  ])('%s → %p', (status, expected) => {
    expect(canCancel({ status })).toBe(expected);
  });
});
