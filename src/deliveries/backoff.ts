/**
 * When an outbound webhook is tried again. The first retries come quickly (a receiver that blinked),
 * later ones hourly (a receiver that is down), for at least RETRY_WINDOW_MS after the first attempt.
 */

/** Waits after the 1st, 2nd, ... failed attempt; every later one waits HOURLY_MS. */
export const RETRY_STEPS_MS: readonly number[] = [5_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000];
export const HOURLY_MS = 60 * 60_000;
/** A delivery is tried until at least this long after its first attempt, then it has failed. */
export const RETRY_WINDOW_MS = 24 * 60 * 60_000;
/** Each wait is stretched or shrunk by up to this fraction, so deliveries failing together spread out. */
export const JITTER = 0.2;

/** The wait after failed attempt number `failures` (1 for the first attempt). */
export function deliveryRetryDelayMs(failures: number, random: () => number = Math.random): number {
  const base = RETRY_STEPS_MS[failures - 1] ?? HOURLY_MS;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * When to try again after failed attempt number `failures`, made at `now`; null once the delivery
 * has been tried for RETRY_WINDOW_MS since `firstAttemptAt` (it has then failed for good).
 */
export function nextAttemptAt(firstAttemptAt: number, now: number, failures: number, random: () => number = Math.random): number | null {
  if (now - firstAttemptAt >= RETRY_WINDOW_MS) return null;
  return now + deliveryRetryDelayMs(failures, random);
}
