import type { RateLimiter } from "./objects/rate-limiter";

/** Bindings and variables the Worker receives (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** ExecutionObject; reach it through executionStub() for a typed RPC surface. */
  EXECUTIONS: DurableObjectNamespace;
  JWT_SECRET?: string;
  SIGNUP_ENABLED?: string;
  LOGIN_MAX_FAILURES?: string;
  LOGIN_WINDOW_SECONDS?: string;
  JWT_TTL_SECONDS?: string;
  MAX_BODY_BYTES?: string;
}

export interface AppConfig {
  jwtSecret: string;
  /** True when no JWT secret was configured and the development default is in use. */
  usingDevJwtSecret: boolean;
  signupEnabled: boolean;
  loginMaxFailures: number;
  loginWindowSeconds: number;
  jwtTtlSeconds: number;
  maxBodyBytes: number;
}

// Only ever used when JWT_SECRET is unset, which the service announces loudly.
const DEV_JWT_SECRET = "flowrunner-development-secret-do-not-use-in-production";

export function parseConfig(env: Env): AppConfig {
  return {
    jwtSecret: env.JWT_SECRET || DEV_JWT_SECRET,
    usingDevJwtSecret: !env.JWT_SECRET,
    signupEnabled: env.SIGNUP_ENABLED !== "false",
    loginMaxFailures: positiveInt(env.LOGIN_MAX_FAILURES, 10),
    loginWindowSeconds: positiveInt(env.LOGIN_WINDOW_SECONDS, 900),
    jwtTtlSeconds: positiveInt(env.JWT_TTL_SECONDS, 86_400),
    maxBodyBytes: positiveInt(env.MAX_BODY_BYTES, 1024 * 1024),
  };
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n > 0 ? n : fallback;
}
