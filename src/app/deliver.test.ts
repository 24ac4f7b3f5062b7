import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { peterForm } from '../../tests/fixtures/referralForms.js';
import { type Provider, parseDirectory } from '../domain/directory.js';
import { buildReferral, ReferralFormSchema } from '../domain/referral.js';
import { type RunningSandbox, startSandbox } from '../sandbox/server.js';
import {
  type Delivery,
  type HandOver,
  handOverToProvider,
  type RecordAccess,
  RecordIncompleteError,
  sendReferral,
} from './deliver.js';

const parsed = parseDirectory(
  JSON.parse(readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8')),
);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const byId = new Map(parsed.directory.providers.map((p) => [p.id, p]));
const BASE = 'https://provider.test/fhir';
const oh: Provider = {
  ...(byId.get('local-oh-service') as Provider),
  endpoint: { mode: 'fhir-rest', baseUrl: `${BASE}/` },
};
const workCoach = byId.get('work-coach-service') as Provider;
const physio = byId.get('msk-physio-fast-track') as Provider;

const bundle: Bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [
    {
      fullUrl: 'urn:uuid:0b3c2c4e-0000-4000-8000-000000000001',
      resource: {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/peter' },
      },
      request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: 'identifier=urn:test|r1' },
    },
    {
      fullUrl: 'urn:uuid:0b3c2c4e-0000-4000-8000-000000000002',
      resource: { resourceType: 'Task', status: 'requested', intent: 'order' },
      request: { method: 'POST', url: 'Task', ifNoneExist: 'identifier=urn:test|r1' },
    },
  ],
};
const transactionResponse = (status: string): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction-response',
  entry: [
    { response: { status, location: 'ServiceRequest/1/_history/1' } },
    { response: { status, location: 'Task/2/_history/1' } },
  ],
});

/**
 * A stand-in for the provider's server behind `fetch` (msw 2.15 cannot load under this project's jest
 * transform: its dependency rettime is ESM-only). It sees each real Request to BASE and gives real
 * Responses; requests elsewhere go to the real fetch (the sandbox test below).
 */
const realFetch = globalThis.fetch;
let answer: (() => Response | Promise<Response>) | undefined;
let seen: Request[] = [];
const fakeFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  if (!request.url.startsWith(BASE)) return realFetch(input, init);
  if (request.method !== 'POST' || request.url !== BASE || !answer) throw new TypeError('fetch failed');
  seen.push(request.clone());
  const signal = init?.signal;
  return Promise.race([
    Promise.resolve(answer()),
    new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(new DOMException('aborted', 'AbortError'));
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    }),
  ]);
};
beforeEach(() => {
  answer = undefined;
  seen = [];
  globalThis.fetch = fakeFetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Answers POST <BASE> with `reply`; returns the requests it sees. */
function provider(reply: () => Response | Promise<Response>): Request[] {
  answer = reply;
  seen = [];
  return seen;
}
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/fhir+json' } });
const networkError = (): Response => {
  throw new TypeError('fetch failed');
};
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('handOverToProvider: fhir-rest', () => {
  it('POSTs the same transaction to the base URL as FHIR JSON, without credentials, and reports it delivered', async () => {
    const seen = provider(() => json(transactionResponse('201 Created')));
    await expect(handOverToProvider(oh, bundle)).resolves.toEqual({ state: 'delivered' });
    expect(seen).toHaveLength(1);
    const request = seen[0] as Request;
    expect(request.url).toBe(BASE);
    expect(request.headers.get('content-type')).toBe('application/fhir+json');
    expect(request.headers.get('authorization')).toBeNull();
    expect(await request.json()).toEqual(bundle);
  });

  it('reports a resend the provider already had (every entry 200) as delivered', async () => {
    provider(() => json(transactionResponse('200 OK')));
    await expect(handOverToProvider(oh, bundle)).resolves.toEqual({ state: 'delivered' });
  });

  it.each<[string, () => Response | Promise<Response>, RegExp]>([
    [
      'a refusal with an OperationOutcome',
      () =>
        json(
          {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'invalid', details: { text: 'Task.colour is not allowed.' } }],
          },
          400,
        ),
      /^Aireside Occupational Health Service’s system did not accept the referral \(HTTP 400: Task\.colour is not allowed\.\)\.$/,
    ],
    [
      'a server error without a body',
      () => new Response(null, { status: 503 }),
      /^Aireside Occupational Health Service’s system had a problem and did not take the referral \(HTTP 503\)\.$/,
    ],
    [
      'a network failure (or CORS refusal)',
      () => networkError(),
      /^The app could not reach Aireside Occupational Health Service’s system: the connection failed or was not allowed\.$/,
    ],
    [
      'a 200 that is not a transaction response',
      () => new Response('<html>Welcome</html>', { headers: { 'Content-Type': 'text/html' } }),
      /answered, but not with a FHIR transaction response/,
    ],
    [
      'a transaction response with a failed entry',
      () =>
        json({
          resourceType: 'Bundle',
          type: 'transaction-response',
          entry: [{ response: { status: '201 Created' } }, { response: { status: '400 Bad Request' } }],
        }),
      /did not take every part of the referral/,
    ],
  ])('fails plainly on %s', async (_label, answer, reason) => {
    provider(answer);
    const delivery = await handOverToProvider(oh, bundle);
    expect(delivery.state).toBe('failed');
    expect((delivery as { reason: string }).reason).toMatch(reason);
  });

  it('gives up after the timeout', async () => {
    provider(async () => {
      await delay(500);
      return json(transactionResponse('201 Created'));
    });
    await expect(handOverToProvider(oh, bundle, { timeoutMs: 1000 / 20 })).resolves.toEqual({
      state: 'failed',
      reason: 'Aireside Occupational Health Service’s system did not answer within 0 seconds.',
    });
  });
});

describe('handOverToProvider: routes that need the hub', () => {
  it.each([
    [workCoach, /through a referral hub’s inbox, and this practice’s set-up names no referral hub/],
    [physio, /as NHS BaRS messages, which need a referral hub, and this practice’s set-up names none/],
  ])('%# sends nothing and says why', async (p, reason) => {
    const seen = provider(() => json(transactionResponse('201 Created')));
    const delivery = await handOverToProvider(p, bundle);
    expect(delivery.state).toBe('not-sent');
    expect((delivery as { reason: string }).reason).toMatch(reason);
    expect(seen).toHaveLength(0);
  });
});

describe('sendReferral', () => {
  const identifier = { system: 'urn:test', value: 'r1' };
  function record(canWrite: boolean, write: () => Promise<unknown> = async () => transactionResponse('201')) {
    const calls: Array<{ url: string; init?: RequestInit }> = [];
    const access: RecordAccess = {
      canWrite,
      requester: {
        fhirBaseUrl: 'https://ehr.test/fhir',
        request: async <T>(url: string, init?: RequestInit) => {
          calls.push({ url, ...(init ? { init } : {}) });
          return (await write()) as T;
        },
      },
    };
    return { access, calls };
  }

  it('saves in the record first, then hands over; delivered means no retry', async () => {
    const order: string[] = [];
    const { access, calls } = record(true, async () => {
      order.push('record');
      return transactionResponse('201');
    });
    const handOver = jest.fn<ReturnType<HandOver>, Parameters<HandOver>>(async () => {
      order.push('provider');
      return { state: 'delivered' };
    });
    const result = await sendReferral(access, { bundle, provider: oh, identifier }, handOver);
    expect(order).toEqual(['record', 'provider']);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://ehr.test/fhir');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual(bundle);
    expect(handOver).toHaveBeenCalledWith(oh, bundle);
    expect(result).toEqual({
      status: 'requested',
      identifier: 'r1',
      inRecord: true,
      delivery: { state: 'delivered' },
    });
  });

  it('hands nothing over when the record refuses it, and rejects with the record’s error', async () => {
    const { access } = record(true, async () => {
      throw new Error('The clinical system did not answer.');
    });
    const handOver = jest.fn<ReturnType<HandOver>, Parameters<HandOver>>();
    await expect(sendReferral(access, { bundle, provider: oh, identifier }, handOver)).rejects.toThrow(
      'The clinical system did not answer.',
    );
    expect(handOver).not.toHaveBeenCalled();
  });

  it.each<[string, unknown]>([
    ['no body', undefined],
    ['an OperationOutcome', { resourceType: 'OperationOutcome', issue: [] }],
    ['a batch-response', { ...transactionResponse('201'), type: 'batch-response' }],
    [
      'an entry that failed',
      {
        ...transactionResponse('201'),
        entry: [{ response: { status: '201 Created' } }, { response: { status: '400 Bad Request' } }],
      },
    ],
    ['fewer entries than sent', { ...transactionResponse('201'), entry: [{ response: { status: '201' } }] }],
  ])(
    'a record answer with %s is not taken as saved: it rejects in plain English and hands nothing over',
    async (_l, answer) => {
      const { access } = record(true, async () => answer);
      const handOver = jest.fn<ReturnType<HandOver>, Parameters<HandOver>>();
      await expect(
        sendReferral(access, { bundle, provider: oh, identifier }, handOver),
      ).rejects.toBeInstanceOf(RecordIncompleteError);
      expect(handOver).not.toHaveBeenCalled();
    },
  );

  it('keeps the referral when delivery fails (it is in the record) and offers a retry that hands over again', async () => {
    provider(() => networkError());
    const { access, calls } = record(true);
    const result = await sendReferral(access, { bundle, provider: oh, identifier });
    expect(result.inRecord).toBe(true);
    expect(result.delivery?.state).toBe('failed');
    expect(result.retryDelivery).toBeDefined();
    const seen = provider(() => json(transactionResponse('200 OK')));
    await expect(result.retryDelivery?.()).resolves.toEqual<Delivery>({ state: 'delivered' });
    expect(seen).toHaveLength(1);
    // The retry does not write to the record again.
    expect(calls).toHaveLength(1);
  });

  it('says it was saved but not sent for a route that needs the hub, with no retry', async () => {
    const { access } = record(true);
    const result = await sendReferral(access, { bundle, provider: workCoach, identifier });
    expect(result.inRecord).toBe(true);
    expect(result.delivery?.state).toBe('not-sent');
    expect(result.retryDelivery).toBeUndefined();
  });

  it('without write access only hands over, and says the referral is not in the record', async () => {
    const { access, calls } = record(false);
    const result = await sendReferral(access, { bundle, provider: oh, identifier }, async () => ({
      state: 'delivered',
    }));
    expect(calls).toHaveLength(0);
    expect(result).toMatchObject({ inRecord: false, delivery: { state: 'delivered' } });
  });

  it.each<[string, string, boolean]>([
    ['every type the referral holds', 'patient/ServiceRequest.c patient/Task.c', true],
    [
      'the referral’s types but not a work Observation it does not hold',
      'patient/*.rs patient/ServiceRequest.c patient/Task.c',
      true,
    ],
    ['not every type the referral holds', 'patient/ServiceRequest.c', false],
    ['create only for a restricted kind', 'patient/ServiceRequest.c?category=x patient/Task.c', false],
  ])('with the granted scopes, writes to the record when they cover %s', async (_l, scope, saved) => {
    const { access, calls } = record(false);
    const result = await sendReferral(
      { ...access, tokenResponse: { scope } },
      { bundle, provider: oh, identifier },
      async () => ({ state: 'delivered' }),
    );
    expect(calls).toHaveLength(saved ? 1 : 0);
    expect(result.inRecord).toBe(saved);
  });

  it.each<[string, Provider, Delivery]>([
    ['not sent', workCoach, { state: 'not-sent', reason: 'It needs the hub.' }],
    ['failed', oh, { state: 'failed', reason: 'The connection failed.' }],
  ])(
    'without write access, a delivery that is %s rejects (the referral would be nowhere)',
    async (_l, p, d) => {
      const { access } = record(false);
      await expect(sendReferral(access, { bundle, provider: p, identifier }, async () => d)).rejects.toThrow(
        `${(d as { reason: string }).reason} The referral is not in the patient’s record either, because the clinical system does not let this app save to it. Phone ${p.name} on ${p.contact.phone} to refer.`,
      );
    },
  );
});

describe('handing over to the sandbox’s provider endpoint (real HTTP)', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', today: '2026-11-21' });
  }, 30_000);
  afterAll(async () => {
    await sandbox?.close();
  });

  it('delivers a real referral once: the resend is delivered too, and the provider holds one ServiceRequest', async () => {
    const config = (await (await fetch(`${sandbox.url}/config/A99999.json`)).json()) as {
      directory: unknown;
    };
    const directory = parseDirectory(config.directory);
    if (!directory.ok) throw new Error(directory.problems.join('\n'));
    const target = directory.directory.providers.find((p) => p.id === 'local-oh-service') as Provider;
    const referral = buildReferral({
      patient: { id: 'peter', nhsNumber: '9990000026' },
      practice: { odsCode: 'A99999', name: 'Sandbox Surgery' },
      requester: { display: 'Dr Example' },
      provider: target,
      episode: { start: '2026-10-24' },
      fitNoteRefs: [],
      form: ReferralFormSchema.parse(
        peterForm({
          serviceTypes: ['oh-assessment'],
          employerLiaison: { requested: false, shareWithEmployer: [] },
        }),
      ),
      authoredOn: '2026-11-20T10:20:00Z',
    });
    await expect(handOverToProvider(target, referral)).resolves.toEqual({ state: 'delivered' });
    await expect(handOverToProvider(target, referral)).resolves.toEqual({ state: 'delivered' });
    const held = await sandbox.providers
      .get('local-oh-service')
      ?.fhir.repo.search({ resourceType: 'ServiceRequest' });
    expect(held?.entry ?? []).toHaveLength(1);
  }, 30_000);
});
