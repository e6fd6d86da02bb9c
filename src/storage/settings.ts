import type { DynamoSettings } from "../lib/dynamodb/client";
import type { PostgresSettings } from "./postgres/connection";

/** The variables and bindings that choose and configure the storage provider (see docs/storage.md). */
export interface StorageEnv {
  /** `d1` (default), `postgres` or `dynamodb`. */
  STORAGE_PROVIDER?: string | undefined;
  DB?: D1Database | undefined;
  /** Postgres: `postgres://user:password@host/database?sslmode=require`. */
  DATABASE_URL?: string | undefined;
  /** Postgres not on Neon: a WebSocket-to-TCP relay, e.g. `ws://127.0.0.1:8788/v2`. */
  NEON_WS_PROXY?: string | undefined;
  DYNAMODB_ENDPOINT?: string | undefined;
  DYNAMODB_REGION?: string | undefined;
  DYNAMODB_TABLE?: string | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
  AWS_SESSION_TOKEN?: string | undefined;
}

export type StorageSettings =
  { provider: "d1"; db: D1Database } | ({ provider: "postgres" } & PostgresSettings) | ({ provider: "dynamodb" } & DynamoSettings);

export const STORAGE_PROVIDERS = ["d1", "postgres", "dynamodb"] as const;

/** A missing or wrong storage setting; the message names the variable and what it should hold. */
export class StorageConfigError extends Error {
  override readonly name = "StorageConfigError";
}

/** Reads and checks the storage settings; throws a StorageConfigError listing every problem. */
export function storageSettings(env: StorageEnv): StorageSettings {
  const provider = (env.STORAGE_PROVIDER ?? "").trim().toLowerCase() || "d1";
  const problems: string[] = [];
  const required = (name: keyof StorageEnv, hint: string): string => {
    const value = env[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    problems.push(`${name} is not set (${hint})`);
    return "";
  };
  let settings: StorageSettings | null = null;
  switch (provider) {
    case "d1": {
      if (!env.DB) problems.push('the D1 binding DB is missing (add [[d1_databases]] with binding = "DB" to wrangler.toml)');
      else settings = { provider: "d1", db: env.DB };
      break;
    }
    case "postgres": {
      const url = required("DATABASE_URL", "postgres://user:password@host/database");
      const wsProxy = env.NEON_WS_PROXY?.trim() || undefined;
      if (url) {
        const parsed = parseUrl(url);
        if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol) || !parsed.hostname) {
          problems.push("DATABASE_URL must look like postgres://user:password@host/database");
        } else if (!wsProxy && isLocalHost(parsed.hostname)) {
          problems.push(
            `DATABASE_URL points at ${parsed.hostname}, which is not Neon: set NEON_WS_PROXY to a WebSocket relay (node scripts/pg-ws-relay.mjs prints one)`,
          );
        }
      }
      if (wsProxy && !/^wss?:$/.test(parseUrl(wsProxy)?.protocol ?? "")) {
        problems.push("NEON_WS_PROXY must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:8788/v2");
      }
      settings = { provider: "postgres", url, wsProxy };
      break;
    }
    case "dynamodb": {
      const region = required("DYNAMODB_REGION", "e.g. eu-west-1");
      const endpoint = env.DYNAMODB_ENDPOINT?.trim() || (region ? `https://dynamodb.${region}.amazonaws.com` : "");
      if (endpoint && !/^https?:$/.test(parseUrl(endpoint)?.protocol ?? "")) {
        problems.push("DYNAMODB_ENDPOINT must be an http:// or https:// URL");
      }
      const table = env.DYNAMODB_TABLE?.trim() || "flowrunner";
      if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) problems.push("DYNAMODB_TABLE must be 3-255 letters, digits, '_', '-' or '.'");
      settings = {
        provider: "dynamodb",
        endpoint,
        region,
        table,
        accessKeyId: required("AWS_ACCESS_KEY_ID", "a Worker secret"),
        secretAccessKey: required("AWS_SECRET_ACCESS_KEY", "a Worker secret"),
        sessionToken: env.AWS_SESSION_TOKEN?.trim() || undefined,
      };
      break;
    }
    default:
      problems.push(`STORAGE_PROVIDER is "${env.STORAGE_PROVIDER}"; use one of ${STORAGE_PROVIDERS.join(", ")}`);
  }
  if (problems.length > 0 || !settings) {
    throw new StorageConfigError(`Storage is misconfigured (STORAGE_PROVIDER=${provider}): ${problems.join("; ")}`);
  }
  return settings;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function isLocalHost(host: string): boolean {
  return (
    host === "localhost" ||
    host === "[::1]" ||
    /^127\./.test(host) ||
    /^(10|192\.168)\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host)
  );
}
