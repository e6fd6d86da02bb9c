import { describe, expect, it } from "vitest";
import { deliveryRetryDelayMs, HOURLY_MS, nextAttemptAt, RETRY_WINDOW_MS } from "../../../src/deliveries/backoff";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe("delivery back-off", () => {
  it("waits 5 s, 30 s, 2 min, 10 min, 30 min, then hourly (without jitter)", () => {
    const waits = Array.from({ length: 8 }, (_, i) => deliveryRetryDelayMs(i + 1, () => 0.5));
    expect(waits).toEqual([5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOURLY_MS, HOURLY_MS, HOURLY_MS]);
    expect(deliveryRetryDelayMs(500, () => 0.5)).toBe(HOURLY_MS);
  });

  it("spreads each wait by at most 20% either way", () => {
    expect(deliveryRetryDelayMs(1, () => 0)).toBe(4 * SECOND);
    expect(deliveryRetryDelayMs(1, () => 0.999999)).toBe(6 * SECOND);
    for (let failures = 1; failures <= 10; failures++) {
      const base = deliveryRetryDelayMs(failures, () => 0.5);
      for (let i = 0; i < 50; i++) {
        const wait = deliveryRetryDelayMs(failures);
        expect(wait).toBeGreaterThanOrEqual(base * 0.8);
        expect(wait).toBeLessThanOrEqual(base * 1.2);
      }
    }
  });

  it("retries until 24 hours after the first attempt, then gives up", () => {
    const first = 1_700_000_000_000;
    expect(nextAttemptAt(first, first, 1, () => 0.5)).toBe(first + 5 * SECOND);
    expect(nextAttemptAt(first, first + RETRY_WINDOW_MS - 1, 29, () => 0.5)).toBe(first + RETRY_WINDOW_MS - 1 + HOURLY_MS);
    expect(nextAttemptAt(first, first + RETRY_WINDOW_MS, 30, () => 0.5)).toBeNull();
  });
});
