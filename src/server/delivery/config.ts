/**
 * The delivery worker's settings from environment variables (documented in the README). Every
 * variable is optional; a value that is not a whole number in range is refused with a plain-English
 * message naming the variable, so a typo stops the hub at start instead of silently using a default.
 *
 * | Variable                        | Default  | Meaning                                                    |
 * |---------------------------------|----------|------------------------------------------------------------|
 * | HUB_DELIVERY_BASE_MS            | 2000     | first retry waits up to this long (ms)                     |
 * | HUB_DELIVERY_CAP_MS             | 300000   | no retry waits longer (ms)                                 |
 * | HUB_DELIVERY_GIVE_UP_MS         | 3600000  | delivery failed this long after the first attempt (ms)     |
 * | HUB_DELIVERY_TIMEOUT_MS         | 15000    | one attempt's time limit (ms)                              |
 * | HUB_DELIVERY_CONCURRENCY        | 8        | attempts in flight in this hub                             |
 * | HUB_DELIVERY_PER_PROVIDER       | 2        | attempts in flight per provider, across all hubs           |
 * | HUB_DELIVERY_POLL_MS            | 1000     | look for due retries this often (ms)                       |
 * | HUB_DELIVERY_LEASE_MS           | 60000    | a claimed delivery is another hub's after this (ms)        |
 * | HUB_DELIVERY_WORKER             | hub-<pid>| the worker's name in the outbox (diagnosis)                |
 */
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';

export interface DeliverySettings {
  policy: BackoffPolicy;
  timeoutMs: number;
  concurrency: number;
  perProviderLimit: number;
  pollMs: number;
  leaseMs: number;
  worker: string;
}

export const DEFAULT_DELIVERY_SETTINGS: Omit<DeliverySettings, 'worker'> = {
  policy: DEFAULT_BACKOFF,
  timeoutMs: 15_000,
  concurrency: 8,
  perProviderLimit: 2,
  pollMs: 1_000,
  leaseMs: 60_000,
};

/** The variables read, for the README and error messages. */
export const DELIVERY_ENV = [
  'HUB_DELIVERY_BASE_MS',
  'HUB_DELIVERY_CAP_MS',
  'HUB_DELIVERY_GIVE_UP_MS',
  'HUB_DELIVERY_TIMEOUT_MS',
  'HUB_DELIVERY_CONCURRENCY',
  'HUB_DELIVERY_PER_PROVIDER',
  'HUB_DELIVERY_POLL_MS',
  'HUB_DELIVERY_LEASE_MS',
  'HUB_DELIVERY_WORKER',
] as const;

export class DeliveryConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryConfigError';
  }
}

function whole(
  env: Record<string, string | undefined>,
  name: (typeof DELIVERY_ENV)[number],
  fallback: number,
  min: number,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new DeliveryConfigError(
      `${name} is "${raw}", but it must be a whole number of at least ${min}. Correct it or leave it unset (default ${fallback}).`,
    );
  }
  return Number(raw);
}

/** Reads the delivery settings; throws DeliveryConfigError naming a bad variable. */
export function deliverySettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): DeliverySettings {
  const d = DEFAULT_DELIVERY_SETTINGS;
  const baseMs = whole(env, 'HUB_DELIVERY_BASE_MS', d.policy.baseMs, 1);
  const capMs = whole(env, 'HUB_DELIVERY_CAP_MS', Math.max(d.policy.capMs, baseMs), 1);
  if (capMs < baseMs) {
    throw new DeliveryConfigError(
      `HUB_DELIVERY_CAP_MS (${capMs}) is less than HUB_DELIVERY_BASE_MS (${baseMs}): the longest wait cannot be shorter than the first. Raise the cap or lower the base.`,
    );
  }
  const giveUpAfterMs = whole(env, 'HUB_DELIVERY_GIVE_UP_MS', d.policy.giveUpAfterMs, 0);
  const timeoutMs = whole(env, 'HUB_DELIVERY_TIMEOUT_MS', d.timeoutMs, 1);
  const leaseMs = whole(env, 'HUB_DELIVERY_LEASE_MS', Math.max(d.leaseMs, timeoutMs * 2), 1);
  if (leaseMs <= timeoutMs) {
    throw new DeliveryConfigError(
      `HUB_DELIVERY_LEASE_MS (${leaseMs}) must be longer than HUB_DELIVERY_TIMEOUT_MS (${timeoutMs}), or another hub could send the same referral while this one is still waiting for an answer. Raise the lease or lower the timeout.`,
    );
  }
  return {
    policy: { baseMs, capMs, giveUpAfterMs },
    timeoutMs,
    concurrency: whole(env, 'HUB_DELIVERY_CONCURRENCY', d.concurrency, 1),
    perProviderLimit: whole(env, 'HUB_DELIVERY_PER_PROVIDER', d.perProviderLimit, 1),
    pollMs: whole(env, 'HUB_DELIVERY_POLL_MS', d.pollMs, 10),
    leaseMs,
    worker: env.HUB_DELIVERY_WORKER?.trim() || `hub-${process.pid}`,
  };
}
