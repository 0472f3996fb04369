// When a failed delivery is tried again, and when an endpoint is given up on. The schedule is the
// Standard Webhooks one: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h
// after each failure (ten attempts over about three days), each delay ±10 % so endpoints coming
// back from an outage are not hit by every sender at the same second.

/** Delay after failed attempt n (1-based) before attempt n + 1. */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  14 * 3600_000,
  20 * 3600_000,
  24 * 3600_000,
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** An endpoint whose every attempt has failed for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 86_400_000;

/** A Retry-After longer than this is not waited for; the schedule's delay applies. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

const JITTER = 0.1;

/**
 * When to try again after failed attempt `attempt`, or null when it was the last. `retryAfterMs`
 * (from a 429 or 503) pushes the retry later, never earlier. `random` is in [0, 1).
 */
export function nextAttemptDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  random: number,
): number | null {
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random));
  if (retryAfterMs === null || retryAfterMs > MAX_RETRY_AFTER_MS) return jittered;
  return Math.max(jittered, retryAfterMs);
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from `now`, or null. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}
