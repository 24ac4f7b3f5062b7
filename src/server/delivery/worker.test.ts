/**
 * The delivery worker in-process, on a real store (SQLite always; PostgreSQL too when
 * TEST_DATABASE_URL is set) and a real provider endpoint (the sandbox's, behind a switch).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../store/index.js';
import type { HubStore, OutboxItem } from '../store/types.js';
import type { BackoffPolicy } from './backoff.js';
import { fetchProviderClient } from './client.js';
import { type ControllableProvider, startControllableProvider, testReferral } from './testSupport.js';
import {
  attemptResult,
  type DeliveryEvent,
  type DeliveryWorker,
  duration,
  startDeliveryWorker,
} from './worker.js';

jest.setTimeout(30_000);

const PG_URL = process.env.TEST_DATABASE_URL;
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const FAST: BackoffPolicy = { baseMs: 20, capMs: 100, giveUpAfterMs: 60_000 };

interface Backend {
  name: string;
  open(): Promise<{ store: HubStore; reopen(): Promise<HubStore>; cleanup(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(SCRATCH, 'hub-delivery-'));
      const sqlitePath = join(dir, 'hub.sqlite');
      const opened: HubStore[] = [];
      const open = async () => {
        const store = await openStore({ sqlitePath });
        opened.push(store);
        return store;
      };
      return {
        store: await open(),
        reopen: open,
        async cleanup() {
          for (const s of opened) await s.close().catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  ...(PG_URL
    ? [
        {
          name: 'postgres',
          async open() {
            const schema = `hub_delivery_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
            const opened: HubStore[] = [];
            const open = async () => {
              const store = await openStore({ databaseUrl: PG_URL, schema, poolSize: 4 });
              opened.push(store);
              return store;
            };
            return {
              store: await open(),
              reopen: open,
              async cleanup() {
                for (const s of opened) await s.close().catch(() => {});
                const client = new pg.Client({ connectionString: PG_URL });
                await client.connect();
                await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
                await client.end();
              },
            };
          },
        },
      ]
    : []),
];

/** Resolves once `check` is true (polling), or fails with `what`. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('attemptResult', () => {
  const policy: BackoffPolicy = { baseMs: 1000, capMs: 10_000, giveUpAfterMs: 60_000 };
  const item: Pick<OutboxItem, 'attempts' | 'firstAttemptAt' | 'createdAt'> = {
    attempts: 2,
    firstAttemptAt: 1000,
    createdAt: 500,
  };
  it.each<[string, Parameters<typeof attemptResult>[1], number, unknown]>([
    [
      'success',
      { ok: true, providerReference: 'ServiceRequest/1' },
      5000,
      { ok: true, providerReference: 'ServiceRequest/1' },
    ],
    [
      'a permanent refusal',
      { ok: false, retryable: false, error: 'No.' },
      5000,
      { ok: false, error: 'No.', giveUp: true },
    ],
    [
      'a retryable failure',
      { ok: false, retryable: true, error: 'Down.' },
      5000,
      { ok: false, error: 'Down.', retryAt: 5000 + 2000 },
    ],
    [
      'Retry-After',
      { ok: false, retryable: true, error: 'Busy.', retryAfterMs: 8000 },
      5000,
      { ok: false, error: 'Busy.', retryAt: 13_000 },
    ],
    [
      'near the give-up time',
      { ok: false, retryable: true, error: 'Down.' },
      60_500,
      { ok: false, error: 'Down.', retryAt: 61_000 },
    ],
    [
      'at the give-up time',
      { ok: false, retryable: true, error: 'Down.' },
      61_000,
      { ok: false, error: 'Down. The hub kept trying for 1 minute and has stopped.', giveUp: true },
    ],
  ])('%s', (_, outcome, now, expected) => {
    expect(attemptResult(item, outcome, now, () => 0.5, policy)).toEqual(expected);
  });

  it('starts the give-up clock at acceptance when nothing was tried yet', () => {
    const result = attemptResult(
      { attempts: 0, createdAt: 0 },
      { ok: false, retryable: true, error: 'Down.' },
      60_000,
      () => 0,
      policy,
    );
    expect(result).toMatchObject({ giveUp: true });
  });

  it.each([
    [1000, '1 second'],
    [45_000, '45 seconds'],
    [20 * 60_000, '20 minutes'],
    [3_600_000, '60 minutes'],
    [3 * 3_600_000, '3 hours'],
  ])('duration(%i) = %s', (ms, words) => {
    expect(duration(ms)).toBe(words);
  });
});

describe.each(BACKENDS)('the delivery worker on $name', (backend) => {
  let provider: ControllableProvider;
  let h: Awaited<ReturnType<Backend['open']>>;
  let worker: DeliveryWorker | undefined;
  let events: DeliveryEvent[];
  let n = 0;

  beforeAll(async () => {
    provider = await startControllableProvider(`worker-${backend.name}`);
  });
  afterAll(async () => provider.close());
  beforeEach(async () => {
    h = await backend.open();
    events = [];
    provider.behave({ kind: 'normal' });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await h.cleanup();
  });

  const start = (store: HubStore, options: Partial<Parameters<typeof startDeliveryWorker>[0]> = {}) =>
    startDeliveryWorker({
      store,
      policy: FAST,
      pollMs: 20,
      timeoutMs: 2000,
      leaseMs: 4000,
      client: (base) => fetchProviderClient(base),
      onEvent: (e) => events.push(e),
      ...options,
    });
  const accept = async (mode: 'fhir-rest' | 'bars-message' = 'fhir-rest', store = h.store) => {
    const referral = testReferral(++n, {
      id: provider.baseUrl.split('/')[4] as string,
      mode,
      baseUrl: provider.baseUrl,
    });
    await store.acceptReferral(referral, Date.now());
    return referral.id;
  };
  const delivered = (id: string) => async () =>
    (await h.store.getReferral(id))?.deliveryState === 'delivered';

  it('delivers each accepted referral once (both modes), and records the provider’s reference', async () => {
    worker = start(h.store);
    const ids = [await accept('fhir-rest'), await accept('bars-message'), await accept('fhir-rest')];
    worker.kick();
    for (const id of ids) await eventually(delivered(id), `${id} is delivered`);
    for (const id of ids) {
      expect(await provider.serviceRequestsFor(id)).toBe(1);
      expect((await h.store.getReferral(id))?.providerReference).toMatch(/^ServiceRequest\//);
    }
    expect(await h.store.pendingDeliveries()).toBe(0);
  });

  it('keeps trying through a provider that is down, then failing with 500s, then slow; delivers once when it recovers', async () => {
    const before = provider.requests();
    provider.behave((i) => {
      const k = i - before;
      return k <= 2
        ? { kind: 'hang-up' }
        : k <= 5
          ? { kind: 'status', status: 500 }
          : k === 6
            ? { kind: 'slow', delayMs: 2500 }
            : { kind: 'normal' };
    });
    worker = start(h.store, { timeoutMs: 500, leaseMs: 1000 });
    const id = await accept();
    worker.kick();
    await eventually(delivered(id), 'the referral is delivered');
    expect(await provider.serviceRequestsFor(id)).toBe(1);
    const attempts = events.filter((e) => e.type === 'attempt' && e.item.referralId === id);
    expect(attempts.length).toBeGreaterThanOrEqual(7);
    expect(attempts.map((e) => (e.type === 'attempt' ? e.result.ok : undefined)).at(-1)).toBe(true);
    const audit = await h.store.listAudit({ referralId: id });
    expect(audit.length).toBeGreaterThanOrEqual(7);
  });

  it('gives up at once on a refusal, with the provider’s words', async () => {
    provider.behave({ kind: 'status', status: 422, text: 'We do not take referrals for this postcode.' });
    worker = start(h.store);
    const id = await accept();
    worker.kick();
    await eventually(
      async () => (await h.store.getReferral(id))?.deliveryState === 'failed',
      'the referral has failed',
    );
    expect((await h.store.getReferral(id))?.lastDeliveryError).toMatch(
      /HTTP 422: We do not take referrals for this postcode\./,
    );
  });

  it('gives up after the set time when the provider stays down', async () => {
    provider.behave({ kind: 'status', status: 503 });
    worker = start(h.store, { policy: { baseMs: 20, capMs: 50, giveUpAfterMs: 400 } });
    const id = await accept();
    worker.kick();
    await eventually(
      async () => (await h.store.getReferral(id))?.deliveryState === 'failed',
      'the referral has failed',
    );
    const referral = await h.store.getReferral(id);
    expect(referral?.lastDeliveryError).toMatch(
      /HTTP 503.*The hub kept trying for \d+ seconds? and has stopped\./,
    );
    expect(await provider.serviceRequestsFor(id)).toBe(0);
    expect(await h.store.pendingDeliveries()).toBe(0);
  });

  it('keeps to the per-provider limit', async () => {
    provider.behave({ kind: 'slow', delayMs: 150 });
    provider.maxInFlight();
    worker = start(h.store, { perProviderLimit: 2, concurrency: 8 });
    const ids = await Promise.all(Array.from({ length: 6 }, () => accept()));
    worker.kick();
    for (const id of ids) await eventually(delivered(id), `${id} is delivered`);
    expect(provider.maxInFlight()).toBe(2);
  });

  it('stop() waits for the attempt under way and records it', async () => {
    provider.behave({ kind: 'slow', delayMs: 400 });
    worker = start(h.store);
    const id = await accept();
    worker.kick();
    await eventually(() => provider.requests() > 0 && provider.maxInFlight() > 0, 'the attempt has started');
    await worker.stop();
    expect((await h.store.getReferral(id))?.deliveryState).toBe('delivered');
  });

  it('resumes a delivery a dead worker had claimed, once its lease expires: one ServiceRequest', async () => {
    const id = await accept();
    // A worker claims, sends, and dies before recording anything.
    const [claimed] = await h.store.claimDeliveries({
      now: Date.now(),
      limit: 1,
      leaseMs: 600,
      perProviderLimit: 2,
      worker: 'dead',
    });
    expect(claimed?.referralId).toBe(id);
    const referral = await h.store.getReferral(id);
    await fetchProviderClient(provider.baseUrl).transaction(
      referral?.bundle as never,
      AbortSignal.timeout(2000),
    );
    const restarted = await h.reopen();
    worker = start(restarted);
    await eventually(delivered(id), 'the referral is delivered after the lease expired');
    expect(await provider.serviceRequestsFor(id)).toBe(1);
  });

  it('sends a cancellation after delivery: the provider’s ServiceRequest is revoked', async () => {
    worker = start(h.store);
    const id = await accept();
    worker.kick();
    await eventually(delivered(id), 'the referral is delivered');
    await h.store.updateStatus(
      id,
      { status: 'cancelled', statusReason: 'Back at work.' },
      'Practitioner/gp-1',
      Date.now(),
    );
    worker.kick();
    await eventually(
      async () => (await provider.serviceRequestStatusFor(id))[0] === 'revoked',
      'the provider has it revoked',
    );
    await eventually(async () => (await h.store.pendingDeliveries()) === 0, 'the outbox is empty');
    expect(await provider.taskStatusFor(id)).toEqual(['cancelled']);
  });
});
