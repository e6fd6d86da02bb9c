import { Client, Pool } from "@neondatabase/serverless";
import { asError, log } from "../../lib/log";

export interface PostgresSettings {
  /** `postgres://user:password@host[:port]/database[?sslmode=require&options=...]` */
  url: string;
  /**
   * A WebSocket-to-TCP relay for a PostgreSQL that is not Neon (local development,
   * tests, self-hosted): `ws://127.0.0.1:8788/v2` or `wss://relay.example.com/v2`.
   * Unset for Neon, whose endpoints speak WebSocket themselves.
   */
  wsProxy?: string | undefined;
}

export interface PoolOptions {
  /**
   * Keeps the request (or object) alive until the pool's connections have
   * closed, so they end cleanly instead of being cut when the request ends.
   */
  defer?: ((work: Promise<unknown>) => void) | undefined;
  /** How long an unused connection stays open (ms). */
  idleTimeoutMillis?: number | undefined;
  max?: number | undefined;
}

// Longest a deferred drain may hold a request open.
const DRAIN_LIMIT_MS = 25_000;

/**
 * A Neon WebSocket pool. In a Worker, create one per request (I/O objects
 * cannot cross requests); in a Durable Object, one per object.
 */
export function createPool(settings: PostgresSettings, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: settings.url,
    max: options.max ?? 4,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 1_000,
    connectionTimeoutMillis: 10_000,
  });
  if (settings.wsProxy) pool.Client = relayClient(settings.wsProxy);
  // workerd reports a socket closed under an idle client as "Network connection
  // lost"; pg's Pool re-emits it here and, with no listener, as an unhandled error.
  pool.on("error", (error: unknown) => {
    if (!isConnectionLost(error)) log.error("postgres: idle connection failed", { error: asError(error) });
  });
  const defer = options.defer;
  if (defer) {
    let draining = false;
    pool.on("connect", () => {
      if (draining) return;
      draining = true;
      defer(
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, DRAIN_LIMIT_MS);
          function done() {
            clearTimeout(timer);
            pool.off("remove", onRemove);
            draining = false;
            resolve();
          }
          function onRemove() {
            if (pool.totalCount === 0) done();
          }
          pool.on("remove", onRemove);
        }),
      );
    });
  }
  return pool;
}

/** A Client class whose connections go through a WebSocket relay instead of Neon's proxy. */
export function relayClient(proxy: string): typeof Client {
  const url = new URL(proxy);
  const base = `${url.host}${url.pathname}`;
  const secure = url.protocol === "wss:";
  return class RelayClient extends Client {
    constructor(config?: ConstructorParameters<typeof Client>[0]) {
      super(config);
      const conf = this.neonConfig;
      conf.wsProxy = (host, port) => `${base}?address=${host}:${port}`;
      conf.useSecureWebSocket = secure;
      conf.pipelineTLS = false;
      conf.pipelineConnect = false;
    }
  };
}

/** workerd's socket-closed report; it arrives as an Error or as a WebSocket ErrorEvent. */
export function isConnectionLost(error: unknown): boolean {
  const messages: unknown[] = [];
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 4; depth++) {
    messages.push((e as { message?: unknown }).message);
    e = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  return messages.some((m) => typeof m === "string" && /Network connection lost|Connection terminated/i.test(m));
}

/** The SQLSTATE of a driver error, looking through drizzle's wrapper. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = "23505";
export const NOT_NULL_VIOLATION = "23502";
export const FOREIGN_KEY_VIOLATION = "23503";
