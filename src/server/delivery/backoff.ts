/**
 * When to try a failed delivery again, and when to stop trying. Pure: the clock and the random
 * source are passed in.
 *
 * Retries use exponential backoff with full jitter: the n-th retry waits a random time between 0
 * and min(cap, base × 2^(n−1)), so providers coming back from an outage are not hit by every hub
 * at once. A provider's `Retry-After` is honoured as a floor (clamped to the cap, so a provider
 * cannot push a referral past the give-up time with one header). Delivery stops — the referral is
 * *delivery failed* and the GP is shown the provider's phone number — once `giveUpAfterMs` has
 * passed since the first attempt (or since acceptance); the last retry is pulled in to that moment,
 * so the give-up time is kept, not overshot by a whole backoff.
 */

export interface BackoffPolicy {
  /** The first retry waits up to this long (ms). */
  baseMs: number;
  /** No retry waits longer than this (ms). */
  capMs: number;
  /** Stop trying this long after the first attempt (ms). */
  giveUpAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 2_000,
  capMs: 5 * 60_000,
  giveUpAfterMs: 60 * 60_000,
};

/** The longest wait before retry number `attempts` (1 = the first retry): min(cap, base × 2^(attempts−1)). */
export function backoffCeiling(attempts: number, policy: BackoffPolicy): number {
  const n = Math.max(1, Math.floor(attempts));
  // 2^(n-1) overflows to Infinity long before it matters; min() keeps the cap.
  return Math.min(policy.capMs, policy.baseMs * 2 ** (n - 1));
}

/**
 * When to try again after `attempts` failed attempts (≥ 1), at `now` (ms): a uniformly random time
 * in [now, now + ceiling] (full jitter). `random` returns a number in [0, 1), like Math.random.
 * `retryAfterMs` (the provider's Retry-After), when given, is a floor, clamped to the cap.
 */
export function nextAttemptAt(
  attempts: number,
  now: number,
  random: () => number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
): number {
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.floor(r * backoffCeiling(attempts, policy));
  const floor =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs)
      ? Math.min(Math.max(0, retryAfterMs), policy.capMs)
      : 0;
  return now + Math.max(jittered, floor);
}

/** True once `giveUpAfterMs` has passed since `firstAt` (the first attempt, or acceptance). */
export function shouldGiveUp(firstAt: number, now: number, policy: BackoffPolicy): boolean {
  return now - firstAt >= policy.giveUpAfterMs;
}

/**
 * The retry time to record: nextAttemptAt, but never after the give-up moment (firstAt +
 * giveUpAfterMs), so the last try happens at that moment and a failure then gives up.
 */
export function retryAt(
  attempts: number,
  firstAt: number,
  now: number,
  random: () => number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
): number {
  return Math.max(
    now,
    Math.min(nextAttemptAt(attempts, now, random, policy, retryAfterMs), firstAt + policy.giveUpAfterMs),
  );
}

/**
 * A Retry-After header value in ms from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names its day or month ("Wed, 21 Oct 2026 07:28:00 GMT"); Date.parse alone takes "-5" as a year.
  const at = /[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
