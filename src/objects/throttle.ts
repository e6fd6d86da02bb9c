import type { Env } from "../env";
import type { RequestLimiter, TakeResult, WindowLimiter } from "../services/rate-limit";
import type { Throttle, ThrottleState } from "../services/throttle";

const limiterStub = (env: Env, scope: string, key: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${scope}:${key}`));

/** The Throttle interface backed by one RateLimiter Durable Object per key. */
export function durableThrottle(env: Env, limit: number, windowSeconds: number, scope: string): Throttle {
  const stub = (key: string) => limiterStub(env, scope, key);
  return {
    check: (key): Promise<ThrottleState> => stub(key).check(limit, windowSeconds),
    fail: (key): Promise<ThrottleState> => stub(key).hit(limit, windowSeconds),
    clear: (key): Promise<void> => stub(key).clear(),
  };
}

/** A RequestLimiter on the same RateLimiter objects: one `take` call per request. */
export function durableRequestLimiter(env: Env, limit: number, windowSeconds: number, scope: string): RequestLimiter {
  return { take: (key): Promise<TakeResult> => limiterStub(env, scope, key).take(limit, windowSeconds) };
}

/** A WindowLimiter on the same RateLimiter objects, one per key within `scope`. */
export function durableWindowLimiter(env: Env, scope: string): WindowLimiter {
  return { take: (key, limit, windowSeconds): Promise<TakeResult> => limiterStub(env, scope, key).take(limit, windowSeconds) };
}
