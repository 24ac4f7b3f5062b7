import {
  type BackoffPolicy,
  backoffCeiling,
  DEFAULT_BACKOFF,
  nextAttemptAt,
  parseRetryAfter,
  retryAt,
  shouldGiveUp,
} from './backoff.js';
import { DeliveryConfigError, deliverySettingsFromEnv } from './config.js';

const policy: BackoffPolicy = { baseMs: 1000, capMs: 60_000, giveUpAfterMs: 3_600_000 };
const T = 1_800_000_000_000;

describe('backoffCeiling: exponential, capped', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [50, 60_000],
    [5000, 60_000],
    [0, 1000],
    [-3, 1000],
  ])('after %i attempts waits at most %i ms', (attempts, ceiling) => {
    expect(backoffCeiling(attempts, policy)).toBe(ceiling);
  });
});

describe('nextAttemptAt: full jitter between now and the ceiling', () => {
  it.each([
    // attempts, random, retry-after, expected delay
    [1, 0, undefined, 0],
    [1, 0.5, undefined, 500],
    [3, 0.999, undefined, 3996],
    [10, 0.5, undefined, 30_000],
    [10, 1, undefined, 60_000],
    [2, 0.25, 10_000, 10_000], // Retry-After is a floor
    [2, 0.9, 100, 1800], // … only a floor
    [2, 0, 600_000, 60_000], // … clamped to the cap
    [2, 0, -5, 0],
    [2, 0.5, Number.NaN, 1000],
    [1, 7, undefined, 1000], // a random source out of range is clamped
  ])('attempts %i, random %d, Retry-After %s → +%i ms', (attempts, r, retryAfter, delay) => {
    expect(nextAttemptAt(attempts, T, () => r, policy, retryAfter)).toBe(T + delay);
  });

  it('spreads retries over the whole window (not all at the ceiling)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const delays = Array.from({ length: 2000 }, () => nextAttemptAt(5, T, random, policy) - T);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(16_000);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(7000);
    expect(mean).toBeLessThan(9000);
  });
});

describe('shouldGiveUp and retryAt: stop after the set time, never overshoot it', () => {
  it.each([
    [0, false],
    [3_599_999, false],
    [3_600_000, true],
    [9_000_000, true],
  ])('%i ms after the first attempt: give up %s', (elapsed, expected) => {
    expect(shouldGiveUp(T, T + elapsed, policy)).toBe(expected);
  });

  it.each([
    // elapsed since first, attempts, random, expected retry time relative to first
    [0, 1, 0.5, 500],
    [3_590_000, 20, 0.99, 3_600_000], // pulled in to the give-up moment
    [3_599_000, 20, 0, 3_599_000], // never in the past
  ])('%i ms in, attempt %i, random %d → retry at first + %i', (elapsed, attempts, r, at) => {
    expect(retryAt(attempts, T, T + elapsed, () => r, policy)).toBe(T + at);
  });

  it('has the documented defaults: 2 s base, 5 min cap, 1 h give-up', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 2000, capMs: 300_000, giveUpAfterMs: 3_600_000 });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    [new Date(T + 30_000).toUTCString(), 30_000],
    [new Date(T - 30_000).toUTCString(), 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
    ['-5', undefined],
  ])('%p → %p ms', (header, ms) => {
    expect(parseRetryAfter(header, T)).toBe(ms);
  });
});

describe('deliverySettingsFromEnv', () => {
  it('has defaults for everything', () => {
    expect(deliverySettingsFromEnv({})).toEqual({
      policy: DEFAULT_BACKOFF,
      timeoutMs: 15_000,
      concurrency: 8,
      perProviderLimit: 2,
      pollMs: 1000,
      leaseMs: 60_000,
      worker: `hub-${process.pid}`,
    });
  });

  it('reads every variable', () => {
    expect(
      deliverySettingsFromEnv({
        HUB_DELIVERY_BASE_MS: '50',
        HUB_DELIVERY_CAP_MS: '400',
        HUB_DELIVERY_GIVE_UP_MS: '8000',
        HUB_DELIVERY_TIMEOUT_MS: '1500',
        HUB_DELIVERY_CONCURRENCY: '3',
        HUB_DELIVERY_PER_PROVIDER: '1',
        HUB_DELIVERY_POLL_MS: '50',
        HUB_DELIVERY_LEASE_MS: '4000',
        HUB_DELIVERY_WORKER: 'hub-a',
      }),
    ).toEqual({
      policy: { baseMs: 50, capMs: 400, giveUpAfterMs: 8000 },
      timeoutMs: 1500,
      concurrency: 3,
      perProviderLimit: 1,
      pollMs: 50,
      leaseMs: 4000,
      worker: 'hub-a',
    });
  });

  it.each([
    [{ HUB_DELIVERY_BASE_MS: 'two seconds' }, /HUB_DELIVERY_BASE_MS is "two seconds".*whole number/],
    [{ HUB_DELIVERY_CONCURRENCY: '0' }, /HUB_DELIVERY_CONCURRENCY .*at least 1/],
    [{ HUB_DELIVERY_POLL_MS: '1.5' }, /HUB_DELIVERY_POLL_MS/],
    [{ HUB_DELIVERY_BASE_MS: '5000', HUB_DELIVERY_CAP_MS: '100' }, /CAP_MS \(100\) is less than/],
    [{ HUB_DELIVERY_TIMEOUT_MS: '5000', HUB_DELIVERY_LEASE_MS: '5000' }, /LEASE_MS \(5000\) must be longer/],
  ])('refuses %p in plain English', (env, message) => {
    expect(() => deliverySettingsFromEnv(env)).toThrow(DeliveryConfigError);
    expect(() => deliverySettingsFromEnv(env)).toThrow(message);
  });

  it('makes the lease outlast a long timeout by default', () => {
    expect(deliverySettingsFromEnv({ HUB_DELIVERY_TIMEOUT_MS: '45000' }).leaseMs).toBe(90_000);
  });
});
