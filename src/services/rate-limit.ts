import { tooManyRequests } from "../errors";

export interface TakeResult {
  allowed: boolean;
  /** Requests left in the current window after this one. */
  remaining: number;
  /** Seconds until the current window ends. */
  retry_after: number;
}

/** Fixed-window request counter per key; `take` counts one request and answers in the same round trip. */
export interface RequestLimiter {
  take(key: string): Promise<TakeResult>;
}

/** A RequestLimiter whose limit and window are given with each call (e.g. per webhook trigger, as its flow declares them). */
export interface WindowLimiter {
  take(key: string, limit: number, windowSeconds: number): Promise<TakeResult>;
}

/**
 * Per-account API rate limit, applied after authentication. Without a
 * limiter (RATE_LIMIT_REQUESTS=0) every request passes and nothing is called.
 */
export class ApiRateLimit {
  constructor(private readonly limiter: RequestLimiter | null) {}

  async admit(accountId: string): Promise<void> {
    if (!this.limiter) return;
    const result = await this.limiter.take(`account:${accountId}`);
    if (!result.allowed) throw tooManyRequests(result.retry_after, "Too many requests for this account; retry after the window ends");
  }
}
