import type { RateLimiter } from "./objects/rate-limiter";

/** Bindings and variables the Worker receives (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** ExecutionObject; reach it through executionStub() for a typed RPC surface. */
  EXECUTIONS: DurableObjectNamespace;
  /** ScheduleObject, one per cron trigger; reach it through scheduleStub(). */
  SCHEDULES: DurableObjectNamespace;
  /** DeliveryObject, one per webhook subscription; reach it through deliveryStub(). */
  DELIVERIES: DurableObjectNamespace;
  /** StoreObject, one per account and namespace (the key-value store); reach it through storeStub(). */
  STORE: DurableObjectNamespace;
  /** VectorObject, one per account and collection (the embedded vector store); reach it through vectorsStub(). */
  VECTORS: DurableObjectNamespace;
  /** OperationObject, one per bulk operation; reach it through operationStub(). */
  OPERATIONS: DurableObjectNamespace;
  /** The dashboard's files (wrangler.toml `[assets]`); the Worker only sees requests for run_worker_first paths. */
  ASSETS?: Fetcher;
  /** A Vectorize index (cosine metric) for `store: vectorize`; remote only, so not bound by default (docs/ai.md). */
  VECTORIZE?: Vectorize;
  JWT_SECRET?: string;
  SIGNUP_ENABLED?: string;
  LOGIN_MAX_FAILURES?: string;
  LOGIN_WINDOW_SECONDS?: string;
  JWT_TTL_SECONDS?: string;
  MAX_BODY_BYTES?: string;
  /** Authenticated API requests allowed per account per window; "0" turns the limit off. */
  RATE_LIMIT_REQUESTS?: string;
  RATE_LIMIT_WINDOW_SECONDS?: string;
  /** Comma-separated origins allowed to call the API from a browser; none by default. */
  CORS_ORIGINS?: string;
  /** `kid:base64key,...` — master keys of the secret vault (a Worker secret). */
  VAULT_MASTER_KEYS?: string;
  /** Which of VAULT_MASTER_KEYS wraps new data keys; defaults to the last one listed. */
  VAULT_ACTIVE_KEY_ID?: string;
  /** Storage provider: `d1` (default), `postgres` or `dynamodb`; settings below (docs/storage.md). */
  STORAGE_PROVIDER?: string;
  /** Postgres (Neon): `postgres://user:password@host/database?sslmode=require` (a Worker secret). */
  DATABASE_URL?: string;
  /** Postgres that is not Neon: a WebSocket-to-TCP relay such as `ws://127.0.0.1:8788/v2`. */
  NEON_WS_PROXY?: string;
  /** The `postgres` node's WebSocket-to-TCP relay for user databases that are not Neon (docs/flow-language.md). */
  POSTGRES_WS_PROXY?: string;
  DYNAMODB_ENDPOINT?: string;
  DYNAMODB_REGION?: string;
  /** DynamoDB table name; `flowrunner` by default. */
  DYNAMODB_TABLE?: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  AWS_SESSION_TOKEN?: string;
  /** Cloudflare Email Service, for `email.send` with provider: cloudflare (docs/email.md). */
  EMAIL?: SendEmail;
  /** The domain Email Routing sends to the Worker, shown in each email trigger's address (`trg_…@EMAIL_DOMAIN`). */
  EMAIL_DOMAIN?: string;
  /** Where mail for an address no flow receives is forwarded (a verified destination); rejected when unset. */
  EMAIL_FORWARD_UNKNOWN?: string;
  /** "allow" lets nodes reach loopback and private addresses (local development); anything else denies it. */
  OUTBOUND_PRIVATE_NETWORK?: string;
  /** Days a finished execution is kept before it is deleted ("0" keeps them forever); accounts and flows may override it. */
  RETENTION_DAYS?: string;
  /** Days an account's audit rows are kept ("0" keeps them forever). */
  AUDIT_RETENTION_DAYS?: string;
  /** `production` (wrangler.toml, and the default) or `development` (`npm start`, the tests): docs/security.md#production-mode. */
  FLOWRUNNER_ENV?: string;
  /** Lowest level written to the logs: debug, info (default), warn or error (docs/operations.md#logs). */
  LOG_LEVEL?: string;
  /** Bearer token of the operator endpoints (`GET /metrics`); they answer 404 while it is unset (a Worker secret). */
  OPERATOR_TOKEN?: string;
}

export type RuntimeMode = "production" | "development";

export interface AppConfig {
  /** FLOWRUNNER_ENV: anything but "development" is production, so a forgotten variable fails safe. */
  mode: RuntimeMode;
  jwtSecret: string;
  /** True when no JWT secret was configured (or it is the public development default). */
  usingDevJwtSecret: boolean;
  signupEnabled: boolean;
  loginMaxFailures: number;
  loginWindowSeconds: number;
  jwtTtlSeconds: number;
  maxBodyBytes: number;
  /** Per-account API requests per window; 0 means no limit. */
  rateLimitRequests: number;
  rateLimitWindowSeconds: number;
  /** Origins allowed cross-origin access with credentials; empty means none. */
  corsOrigins: string[];
  /** Whether nodes may call loopback and private addresses: refused unless OUTBOUND_PRIVATE_NETWORK is "allow". */
  privateNetwork: "allow" | "deny";
  /** EMAIL_DOMAIN, lower case, or null. */
  emailDomain: string | null;
  /** EMAIL_FORWARD_UNKNOWN, or null to reject mail for unknown addresses. */
  emailForwardUnknown: string | null;
  /** Days finished executions are kept unless the account or the flow says otherwise; 0 keeps them forever. */
  retentionDays: number;
  /** Days account audit rows are kept; 0 keeps them forever. */
  auditRetentionDays: number;
}

// Only ever used when JWT_SECRET is unset, which the service announces loudly.
const DEV_JWT_SECRET = "flowrunner-development-secret-do-not-use-in-production";

// The bindings object lives as long as the isolate; requests need not parse it again.
const parsed = new WeakMap<Env, AppConfig>();

export function parseConfig(env: Env): AppConfig {
  let config = parsed.get(env);
  if (!config) {
    config = readConfig(env);
    parsed.set(env, config);
  }
  return config;
}

function readConfig(env: Env): AppConfig {
  return {
    mode: env.FLOWRUNNER_ENV?.trim().toLowerCase() === "development" ? "development" : "production",
    jwtSecret: env.JWT_SECRET || DEV_JWT_SECRET,
    usingDevJwtSecret: !env.JWT_SECRET || env.JWT_SECRET === DEV_JWT_SECRET,
    signupEnabled: env.SIGNUP_ENABLED !== "false",
    loginMaxFailures: positiveInt(env.LOGIN_MAX_FAILURES, 10),
    loginWindowSeconds: positiveInt(env.LOGIN_WINDOW_SECONDS, 900),
    jwtTtlSeconds: positiveInt(env.JWT_TTL_SECONDS, 86_400),
    maxBodyBytes: positiveInt(env.MAX_BODY_BYTES, 1024 * 1024),
    corsOrigins: (env.CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o !== "" && o !== "*"),
    rateLimitRequests: env.RATE_LIMIT_REQUESTS?.trim() === "0" ? 0 : positiveInt(env.RATE_LIMIT_REQUESTS, 600),
    rateLimitWindowSeconds: positiveInt(env.RATE_LIMIT_WINDOW_SECONDS, 60),
    privateNetwork: env.OUTBOUND_PRIVATE_NETWORK?.trim() === "allow" ? "allow" : "deny",
    emailDomain: env.EMAIL_DOMAIN?.trim().toLowerCase() || null,
    emailForwardUnknown: env.EMAIL_FORWARD_UNKNOWN?.trim() || null,
    retentionDays: nonNegativeInt(env.RETENTION_DAYS, 30),
    auditRetentionDays: nonNegativeInt(env.AUDIT_RETENTION_DAYS, 365),
  };
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n > 0 ? n : fallback;
}

function nonNegativeInt(value: string | undefined, fallback: number): number {
  return value?.trim() === "0" ? 0 : positiveInt(value, fallback);
}
