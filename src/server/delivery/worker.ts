/**
 * The delivery worker: takes due items from the store's outbox under a lease, makes one attempt
 * each (modes.ts), and records the outcome (store.recordAttempt: done, retry at a time, or given
 * up). It wakes when the server accepts a referral (`kick()`), when an attempt finishes, and on a
 * poll timer (retries fall due while nothing else happens).
 *
 * Exactly once, across outages and restarts:
 * - a claimed item is leased (`leaseMs`) and the attempt's time limit is shorter than the lease, so
 *   no second worker takes an item while an attempt at it may still be under way;
 * - a hub killed mid-attempt leaves a lease that simply expires: the next claim, by this hub
 *   restarted or another, sends again, and the provider's conditional create (or the BaRS message
 *   id) makes that resend create nothing new;
 * - recordAttempt is lease-checked, so a worker that overran its lease cannot overwrite the
 *   outcome another recorded.
 * The per-provider limit is the store's (claims count in-flight items across all workers).
 *
 * `stop()` stops claiming and waits for attempts under way; their outcomes are recorded.
 */
import type { AttemptResult, HubStore, OutboxItem } from '../store/types.js';
import { type BackoffPolicy, DEFAULT_BACKOFF, retryAt, shouldGiveUp } from './backoff.js';
import { fetchProviderClient, type ProviderClientFactory } from './client.js';
import { DEFAULT_DELIVERY_SETTINGS } from './config.js';
import { type DeliveryOutcome, deliver } from './modes.js';

export type DeliveryEvent =
  | { type: 'attempt'; item: OutboxItem; outcome: DeliveryOutcome; result: AttemptResult; recorded: boolean }
  | { type: 'error'; message: string; error: unknown; item?: OutboxItem }
  | { type: 'notice'; message: string };

export interface DeliveryWorkerOptions {
  store: HubStore;
  /** The clock (ms; default Date.now). */
  now?: () => number;
  /** The jitter's random source in [0, 1) (default Math.random). */
  random?: () => number;
  policy?: BackoffPolicy;
  /** One attempt's time limit (ms; default 15 s); must be shorter than leaseMs. */
  timeoutMs?: number;
  /** Attempts in flight in this worker (default 8). */
  concurrency?: number;
  /** Attempts in flight per provider across all workers (default 2). */
  perProviderLimit?: number;
  /** Look for due items this often (ms; default 1000). */
  pollMs?: number;
  /** A claim holds this long (ms; default 60 s). */
  leaseMs?: number;
  /** The worker's name in the outbox (default hub-<pid>). */
  worker?: string;
  /** Send through this fetch (tests, msw) instead of fhir-kit-client. */
  fetch?: typeof fetch;
  /** The provider client factory; overrides `fetch` and the default. */
  client?: ProviderClientFactory;
  /** Hears each attempt and each error (logging, tests). */
  onEvent?: (event: DeliveryEvent) => void;
}

export interface DeliveryWorker {
  /** Stops claiming and resolves once every attempt under way has been recorded. */
  stop(): Promise<void>;
  /** Looks for due deliveries now (the server calls it after accepting a referral). */
  kick(): void;
}

/** "45 seconds", "20 minutes", "1 hour" … for give-up messages. */
export function duration(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms < 60_000) return plural(Math.max(1, Math.round(ms / 1000)), 'second');
  if (ms < 90 * 60_000) return plural(Math.round(ms / 60_000), 'minute');
  return plural(Math.round(ms / 3_600_000), 'hour');
}

/**
 * What to record for an attempt's outcome: done; retry (backoff, Retry-After, never past the
 * give-up time); or give up (a permanent refusal, or the give-up time has passed).
 */
export function attemptResult(
  item: Pick<OutboxItem, 'attempts' | 'firstAttemptAt' | 'createdAt'>,
  outcome: DeliveryOutcome,
  now: number,
  random: () => number,
  policy: BackoffPolicy,
): AttemptResult {
  if (outcome.ok) {
    return {
      ok: true,
      ...(outcome.providerReference ? { providerReference: outcome.providerReference } : {}),
    };
  }
  if (!outcome.retryable) return { ok: false, error: outcome.error, giveUp: true };
  const firstAt = item.firstAttemptAt ?? item.createdAt;
  if (shouldGiveUp(firstAt, now, policy)) {
    return {
      ok: false,
      error: `${outcome.error} The hub kept trying for ${duration(now - firstAt)} and has stopped.`,
      giveUp: true,
    };
  }
  return {
    ok: false,
    error: outcome.error,
    retryAt: retryAt(item.attempts + 1, firstAt, now, random, policy, outcome.retryAfterMs),
  };
}

/** The hub's default: fhir-kit-client, loaded on first use; the fetch client where it cannot load (jest). */
function lazyDefaultClient(notice: (message: string) => void): () => Promise<ProviderClientFactory> {
  let loading: Promise<ProviderClientFactory> | undefined;
  return () => {
    loading ??= import('./fhirKit.js').then(
      (m) => m.fhirKitProviderClient,
      (err: unknown) => {
        notice(
          `fhir-kit-client could not be loaded (${(err as Error)?.message ?? String(err)}); delivering with the built-in fetch client instead.`,
        );
        return (baseUrl: string) => fetchProviderClient(baseUrl);
      },
    );
    return loading;
  };
}

export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const d = DEFAULT_DELIVERY_SETTINGS;
  const store = options.store;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const timeoutMs = options.timeoutMs ?? d.timeoutMs;
  const concurrency = Math.max(1, options.concurrency ?? d.concurrency);
  const perProviderLimit = Math.max(1, options.perProviderLimit ?? d.perProviderLimit);
  const pollMs = Math.max(10, options.pollMs ?? d.pollMs);
  const leaseMs = options.leaseMs ?? Math.max(d.leaseMs, timeoutMs * 2);
  const worker = options.worker ?? `hub-${process.pid}`;
  const emit = (event: DeliveryEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener's failure must not stop deliveries
    }
  };
  if (leaseMs <= timeoutMs) {
    throw new Error(
      `The delivery lease (${leaseMs} ms) must be longer than one attempt's time limit (${timeoutMs} ms), or a second worker could send a referral while the first still waits for an answer.`,
    );
  }
  const clientFactory: () => Promise<ProviderClientFactory> = options.client
    ? async () => options.client as ProviderClientFactory
    : options.fetch
      ? async () => (baseUrl: string) => fetchProviderClient(baseUrl, options.fetch)
      : lazyDefaultClient((message) => emit({ type: 'notice', message }));

  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let pumping: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const run = async (item: OutboxItem): Promise<void> => {
    let outcome: DeliveryOutcome;
    try {
      const referral = await store.getReferral(item.referralId);
      if (!referral) {
        outcome = {
          ok: false,
          retryable: false,
          error: `The hub has no referral ${item.referralId} to deliver (it may have been removed).`,
        };
      } else {
        outcome = await deliver(referral, item.kind, { client: await clientFactory(), timeoutMs, now });
      }
    } catch (error) {
      // The store could not be read: leave the item to its lease and try again later.
      emit({ type: 'error', message: 'The hub could not read a referral to deliver it.', error, item });
      return;
    }
    const at = now();
    const result = attemptResult(item, outcome, at, random, policy);
    try {
      const recorded = await store.recordAttempt(item.id, item.leaseUntil, result, at);
      emit({ type: 'attempt', item, outcome, result, recorded });
    } catch (error) {
      // Unrecorded: the lease expires and the item is sent again (harmless: deliveries are idempotent).
      emit({ type: 'error', message: 'The hub could not record a delivery attempt.', error, item });
    }
  };

  const claimAndStart = async (): Promise<void> => {
    do {
      again = false;
      const free = concurrency - inFlight.size;
      if (free <= 0 || stopping) return;
      let items: OutboxItem[];
      try {
        items = await store.claimDeliveries({ now: now(), limit: free, leaseMs, perProviderLimit, worker });
      } catch (error) {
        emit({ type: 'error', message: 'The hub could not look for deliveries to make.', error });
        return;
      }
      for (const item of items) {
        const task: Promise<void> = run(item).finally(() => {
          inFlight.delete(task);
          if (!stopping) kick();
        });
        inFlight.add(task);
      }
      // A full batch may mean more are due.
      if (items.length === free) again = true;
    } while (again && !stopping);
  };

  const kick = (): void => {
    if (stopping) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = claimAndStart().finally(() => {
      pumping = undefined;
      if (again && !stopping) kick();
    });
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      kick();
      if (!stopping) schedule();
    }, pollMs);
    timer.unref?.();
  };

  schedule();
  kick();

  return {
    kick,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await pumping;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
