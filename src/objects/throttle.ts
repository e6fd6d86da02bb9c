import type { Env } from "../env";
import type { Throttle, ThrottleState } from "../services/throttle";

/** The Throttle interface backed by one RateLimiter Durable Object per key. */
export function durableThrottle(env: Env, limit: number, windowSeconds: number, scope: string): Throttle {
  const stub = (key: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${scope}:${key}`));
  return {
    check: (key): Promise<ThrottleState> => stub(key).check(limit, windowSeconds),
    fail: (key): Promise<ThrottleState> => stub(key).hit(limit, windowSeconds),
    clear: (key): Promise<void> => stub(key).clear(),
  };
}
