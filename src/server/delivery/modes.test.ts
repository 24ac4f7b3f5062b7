import type { Bundle, MessageHeader, ServiceRequest } from '@medplum/fhirtypes';
import { peterFitNotes, peterForm } from '../../../tests/fixtures/referralForms.js';
import { ID_SYSTEM } from '../../domain/codes.js';
import { peterReferral } from '../testSupport.js';
import { fetchProviderClient, type ProviderFhirClient, ProviderHttpError } from './client.js';
import {
  BARS_EVENT_SYSTEM,
  BARS_REASON_SYSTEM,
  buildMessage,
  type DeliveryOutcome,
  deliver,
  messageIds,
  serviceRequestRef,
} from './modes.js';
import {
  type ControllableProvider,
  closedPort,
  type ProviderBehaviour,
  startControllableProvider,
  stored,
  testProvider,
  testReferral,
} from './testSupport.js';

jest.setTimeout(30_000);

let provider: ControllableProvider;
beforeAll(async () => {
  provider = await startControllableProvider('modes-provider');
});
afterAll(async () => {
  await provider.close();
});
beforeEach(() => provider.behave({ kind: 'normal' }));

const client = (baseUrl: string) => fetchProviderClient(baseUrl);
let n = 0;
const rest = () =>
  stored(testReferral(++n, { id: 'modes-provider', mode: 'fhir-rest', baseUrl: provider.baseUrl }));
const bars = () =>
  stored(testReferral(++n, { id: 'modes-provider', mode: 'bars-message', baseUrl: provider.baseUrl }));

describe('fhir-rest', () => {
  it('delivers the transaction once, however often it is sent, and names the provider’s ServiceRequest', async () => {
    const referral = rest();
    const first = await deliver(referral, 'new', { client });
    expect(first).toEqual({ ok: true, providerReference: expect.stringMatching(/^ServiceRequest\/[\w-]+$/) });
    const again = await deliver(referral, 'new', { client });
    expect(again).toEqual(first);
    expect(await provider.serviceRequestsFor(referral.id)).toBe(1);
    expect(await provider.taskStatusFor(referral.id)).toEqual(['requested']);
  });

  it('cancels: ServiceRequest revoked, Task cancelled; cancelling again changes nothing', async () => {
    const referral = rest();
    await deliver(referral, 'new', { client });
    const cancelled = { ...referral, status: 'cancelled' as const, statusReason: 'Patient back at work.' };
    expect(await deliver(cancelled, 'cancel', { client })).toMatchObject({ ok: true });
    expect(await provider.serviceRequestStatusFor(referral.id)).toEqual(['revoked']);
    expect(await provider.taskStatusFor(referral.id)).toEqual(['cancelled']);
    expect(await deliver(cancelled, 'cancel', { client })).toMatchObject({ ok: true });
    expect(await provider.serviceRequestsFor(referral.id)).toBe(1);
  });

  it('cannot cancel what the provider does not have: gives up at once and says to phone', async () => {
    const outcome = await deliver(rest(), 'cancel', { client });
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/has no referral with reference .*Phone the provider/),
    });
  });
});

describe('bars-message', () => {
  it('sends a BaRS-style message: servicerequest-request, reason new, the referral’s resources, stable ids', () => {
    const referral = bars();
    const message = buildMessage(referral, 'new', referral.createdAt);
    const header = message.entry?.[0]?.resource as MessageHeader;
    expect(message.type).toBe('message');
    expect(message.id).toBe(messageIds(referral.id, 'new').bundleId);
    expect(header.id).toBe(messageIds(referral.id, 'new').headerId);
    expect(header.eventCoding).toMatchObject({ system: BARS_EVENT_SYSTEM, code: 'servicerequest-request' });
    expect(header.reason?.coding?.[0]).toMatchObject({ system: BARS_REASON_SYSTEM, code: 'new' });
    expect(header.focus?.[0]?.reference).toBe(referral.bundle.entry?.[0]?.fullUrl);
    expect(message.entry?.slice(1).map((e) => e.resource?.resourceType)).toEqual(
      referral.bundle.entry?.map((e) => e.resource?.resourceType),
    );
    expect(message.entry?.some((e) => 'request' in e)).toBe(false);
    // The same message every time; a cancellation is another message.
    expect(buildMessage(referral, 'new', referral.createdAt)).toEqual(message);
    expect(messageIds(referral.id, 'cancel').bundleId).not.toBe(message.id);
  });

  it('cancels with reason update and the ServiceRequest revoked', () => {
    const referral = bars();
    const message = buildMessage(referral, 'cancel', Date.parse('2026-11-22T09:00:00Z'));
    const header = message.entry?.[0]?.resource as MessageHeader;
    expect(header.eventCoding?.code).toBe('servicerequest-request');
    expect(header.reason?.coding?.[0]?.code).toBe('update');
    expect(
      message.entry
        ?.slice(1)
        .map((e) => [e.resource?.resourceType, (e.resource as { status: string }).status]),
    ).toEqual([
      ['ServiceRequest', 'revoked'],
      ['Task', 'cancelled'],
    ]);
  });

  it('is applied once at the provider however often it is sent, and cancels there', async () => {
    const referral = bars();
    const first = await deliver(referral, 'new', { client });
    expect(first).toEqual({ ok: true, providerReference: expect.stringMatching(/^ServiceRequest\//) });
    expect(await deliver(referral, 'new', { client })).toEqual(first);
    expect(await provider.serviceRequestsFor(referral.id)).toBe(1);
    expect(await deliver({ ...referral, status: 'cancelled' }, 'cancel', { client })).toMatchObject({
      ok: true,
    });
    expect(await provider.serviceRequestStatusFor(referral.id)).toEqual(['revoked']);
    expect(await provider.taskStatusFor(referral.id)).toEqual(['cancelled']);
  });

  it.each<[string, Bundle | undefined, ProviderHttpError | undefined, Partial<DeliveryOutcome>]>([
    [
      'a 409 duplicate (it has the message already)',
      undefined,
      new ProviderHttpError(409, 'Duplicate.', undefined, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'duplicate' }],
      }),
      { ok: true },
    ],
    [
      'a 409 for another reason',
      undefined,
      new ProviderHttpError(409, 'Conflict.', undefined, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'conflict' }],
      }),
      { ok: false, retryable: false },
    ],
    [
      'a transient-error response',
      responseMessage('transient-error'),
      undefined,
      { ok: false, retryable: true },
    ],
    ['a fatal-error response', responseMessage('fatal-error'), undefined, { ok: false, retryable: false }],
    ['an empty 2xx', undefined, undefined, { ok: true }],
  ])('reads %s', async (_, answer, error, expected) => {
    const fake = fakeClient({
      processMessage: async () => {
        if (error) throw error;
        return answer;
      },
    });
    expect(await deliver(bars(), 'new', { client: () => fake })).toMatchObject(expected);
  });
});

function responseMessage(code: 'ok' | 'transient-error' | 'fatal-error'): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        resource: {
          resourceType: 'MessageHeader',
          eventCoding: { system: BARS_EVENT_SYSTEM, code: 'servicerequest-response' },
          source: { endpoint: 'urn:test' },
          response: { identifier: 'x', code },
        },
      },
      {
        resource: {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', details: { text: 'Not today.' } }],
        },
      },
    ],
  };
}

function fakeClient(methods: Partial<ProviderFhirClient>): ProviderFhirClient {
  const none = async () => {
    throw new Error('not expected in this test');
  };
  return { transaction: none, search: none, update: none, processMessage: none, ...methods };
}

describe('what is worth retrying', () => {
  it.each<[string, ProviderBehaviour, RegExp, boolean]>([
    [
      '500',
      { kind: 'status', status: 500, text: 'Database offline.' },
      /had a problem.*HTTP 500: Database offline\./,
      true,
    ],
    ['503 with Retry-After', { kind: 'status', status: 503, retryAfter: '7' }, /HTTP 503/, true],
    ['502', { kind: 'status', status: 502 }, /HTTP 502/, true],
    ['408', { kind: 'status', status: 408 }, /timed out waiting/, true],
    [
      '429 with Retry-After',
      { kind: 'status', status: 429, retryAfter: '30' },
      /busy and asked the hub to wait/,
      true,
    ],
    [
      '400',
      { kind: 'status', status: 400, text: 'ServiceRequest.code is not one we take.' },
      /refused it \(HTTP 400: ServiceRequest.code is not one we take\.\)\. Sending it again would be refused/,
      false,
    ],
    ['401', { kind: 'status', status: 401 }, /refused it \(HTTP 401/, false],
    ['404', { kind: 'status', status: 404 }, /HTTP 404/, false],
    ['422', { kind: 'status', status: 422 }, /HTTP 422/, false],
    ['a hang-up', { kind: 'hang-up' }, /could not reach .*: the connection was cut off/, true],
  ])('%s', async (_, behaviour, error, retryable) => {
    // Jest reads a fifth parameter as a done callback: the Retry-After expected comes from the behaviour.
    const retryAfterMs =
      behaviour.kind === 'status' && behaviour.retryAfter ? Number(behaviour.retryAfter) * 1000 : undefined;
    provider.behave(behaviour);
    const referral = rest();
    const outcome = await deliver(referral, 'new', { client });
    expect(outcome).toEqual({
      ok: false,
      retryable,
      error: expect.stringMatching(error),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
    expect((outcome as { error: string }).error).toContain('Test Provider modes-provider');
    expect(await provider.serviceRequestsFor(referral.id)).toBe(0);
  });

  it('a provider that does not answer in time: retryable (and the resend will not double it)', async () => {
    provider.behave({ kind: 'slow', delayMs: 1500 });
    const referral = rest();
    const outcome = await deliver(referral, 'new', { client, timeoutMs: 300 });
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      error: expect.stringMatching(/did not answer within 300 ms\./),
    });
    provider.behave({ kind: 'normal' });
    expect(await deliver(referral, 'new', { client })).toMatchObject({ ok: true });
    expect(await provider.serviceRequestsFor(referral.id)).toBe(1);
  });

  it('a provider that is down: retryable, in plain words', async () => {
    const referral = stored(
      testReferral(++n, {
        id: 'modes-provider',
        mode: 'fhir-rest',
        baseUrl: `http://127.0.0.1:${await closedPort()}/fhir`,
      }),
    );
    expect(await deliver(referral, 'new', { client })).toEqual({
      ok: false,
      retryable: true,
      error:
        'The hub could not reach Test Provider modes-provider’s system: the connection was refused: it may be down.',
    });
  });

  it('a success that is not FHIR JSON: retryable (the outcome is unknown)', async () => {
    const fake = fakeClient({
      transaction: async () => {
        throw new ProviderHttpError(200, 'OK', undefined, 'OK');
      },
    });
    expect(await deliver(rest(), 'new', { client: () => fake })).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringMatching(/not in FHIR JSON/),
    });
  });

  it('an answer that is not a transaction response: retryable (the outcome is unknown)', async () => {
    const fake = fakeClient({ transaction: async () => ({ resourceType: 'Bundle', type: 'searchset' }) });
    expect(await deliver(rest(), 'new', { client: () => fake })).toMatchObject({
      ok: false,
      retryable: true,
    });
  });
});

describe('hub-inbox and bad directory entries', () => {
  it('hub-inbox sends nothing and is delivered', async () => {
    const before = provider.requests();
    const referral = stored(testReferral(++n, { id: 'inbox-provider', mode: 'hub-inbox' }));
    expect(await deliver(referral, 'new', { client })).toEqual({ ok: true });
    expect(provider.requests()).toBe(before);
  });

  it.each([
    ['no base URL', { deliveryBaseUrl: undefined }, /gives no address/],
    [
      'an unknown mode',
      { deliveryMode: 'carrier-pigeon' },
      /does not know the delivery mode "carrier-pigeon"/,
    ],
  ])('%s: gives up at once', async (_, change, error) => {
    const referral = { ...rest(), ...change } as ReturnType<typeof rest>;
    expect(await deliver(referral, 'new', { client })).toEqual({
      ok: false,
      retryable: false,
      error: expect.stringMatching(error),
    });
  });
});

describe('serviceRequestRef', () => {
  it.each([
    ['ServiceRequest/abc/_history/1', 'ServiceRequest/abc'],
    ['http://p.example/fhir/ServiceRequest/a-1.2', 'ServiceRequest/a-1.2'],
    ['ServiceRequest/abc', 'ServiceRequest/abc'],
    ['Task/abc', undefined],
    ['urn:uuid:1234', undefined],
    [undefined, undefined],
  ])('%s → %s', (text, ref) => {
    expect(serviceRequestRef(text)).toBe(ref);
  });
});

describe('the fit notes copied into the referral', () => {
  /** Peter's referral with his two fit notes copied in, to the test provider by `mode`. */
  function withFitNotes(mode: 'fhir-rest' | 'bars-message') {
    const base = testReferral(++n, { id: 'modes-provider', mode, baseUrl: provider.baseUrl });
    const bundle = peterReferral({
      provider: testProvider('modes-provider', provider.baseUrl, mode),
      episode: { start: `2026-09-${String(n).padStart(2, '0')}` },
      fitNotes: peterFitNotes,
      form: peterForm({
        serviceTypes: ['oh-assessment'],
        employerLiaison: { requested: false, shareWithEmployer: [] },
      }),
    });
    const sent = bundle.entry?.[0]?.resource as ServiceRequest;
    const id = sent.identifier?.[0]?.value as string;
    return { referral: stored({ ...base, id, patientId: 'peter', bundle }), sent };
  }
  const copies = (sr: ServiceRequest | undefined) =>
    (sr?.contained ?? []).filter((c) => c.id?.startsWith('fitnote-'));

  it.each(['fhir-rest', 'bars-message'] as const)(
    '%s: the ServiceRequest the provider stores holds them as the GP built them',
    async (mode) => {
      const { referral, sent } = withFitNotes(mode);
      expect(copies(sent)).toHaveLength(2);
      expect(await deliver(referral, 'new', { client })).toMatchObject({ ok: true });
      const res = await fetch(
        `${provider.baseUrl}/ServiceRequest?identifier=${encodeURIComponent(`${ID_SYSTEM.referral}|${referral.id}`)}`,
        { headers: { accept: 'application/fhir+json' } },
      );
      const found = ((await res.json()) as Bundle).entry?.map((e) => e.resource as ServiceRequest) ?? [];
      expect(found).toHaveLength(1);
      expect(copies(found[0])).toEqual(copies(sent));
      expect(found[0]?.supportingInfo?.map((r) => r.reference)).toEqual(
        expect.arrayContaining(['#fitnote-1', '#fitnote-2']),
      );
    },
  );
});
