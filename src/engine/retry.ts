import type { RetryPolicy } from "../flow";
import { parseDuration } from "../lib/duration";

const DEFAULT_WAIT_MS = 1_000;
const DEFAULT_MAX_WAIT_MS = 10 * 60_000;

/**
 * Delay before retry number `retry` (1 for the first retry). Exponential
 * back-off doubles the wait each time and adds jitter (half fixed, half random), so many runs
 * failing together do not retry in lock-step; `max_wait` caps it.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const wait = parseDuration(policy.wait ?? "") ?? DEFAULT_WAIT_MS;
  const cap = parseDuration(policy.max_wait ?? "") ?? DEFAULT_MAX_WAIT_MS;
  if (policy.backoff !== "exponential") return Math.min(wait, cap);
  const ceiling = Math.min(cap, wait * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether a node that failed on attempt `attempt` (1-based) may try again. */
export const canRetry = (policy: RetryPolicy | undefined, attempt: number): boolean =>
  policy !== undefined && attempt <= policy.max_retries;
