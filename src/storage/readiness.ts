import { DynamoClient, DynamoError } from "../lib/dynamodb/client";
import { createPool } from "./postgres/connection";
import { StorageConfigError, storageSettings, type StorageEnv, type StorageSettings } from "./settings";

/**
 * The newest schema migration, by file name (migrations/ and migrations/postgres/ hold the same
 * names). A store whose migration records include it is current; test/unit/storage/schema-version.test.ts
 * keeps this equal to the newest file.
 */
export const LATEST_MIGRATION = "0008_retention.sql";

export interface ProbeResult {
  ok: boolean;
  message: string;
  fix?: string;
}

export interface StorageProbe {
  /** The configured store answers a cheap request. */
  storage: ProbeResult;
  /** Its schema is current (D1, Postgres: LATEST_MIGRATION is recorded; DynamoDB: the table and its indexes are ACTIVE). */
  migrations: ProbeResult;
}

const notChecked: ProbeResult = { ok: false, message: "not checked: the store does not answer" };

/** Probes the configured store; never throws, and messages carry no connection strings or keys. */
export async function probeStorage(env: StorageEnv, defer?: (work: Promise<unknown>) => void): Promise<StorageProbe> {
  let settings: StorageSettings;
  try {
    settings = storageSettings(env);
  } catch (error) {
    if (!(error instanceof StorageConfigError)) throw error;
    return { storage: { ok: false, message: error.message, fix: "set the storage variables (docs/storage.md)" }, migrations: notChecked };
  }
  const hide = [env.DATABASE_URL, databasePassword(env.DATABASE_URL), env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN];
  try {
    switch (settings.provider) {
      case "d1":
        return await probeD1(settings.db);
      case "postgres":
        return await probePostgres(settings, defer);
      case "dynamodb":
        return await probeDynamo(new DynamoClient(settings));
    }
  } catch (error) {
    return {
      storage: { ok: false, message: `${settings.provider} did not answer: ${safeMessage(error, hide)}` },
      migrations: notChecked,
    };
  }
}

async function probeD1(db: D1Database): Promise<StorageProbe> {
  await db.prepare("SELECT 1").first();
  const storage = { ok: true, message: "d1 answers" };
  const fix = "npx wrangler d1 migrations apply DB --remote (docs/storage.md)";
  try {
    const row = await db.prepare("SELECT name FROM d1_migrations WHERE name = ?").bind(LATEST_MIGRATION).first();
    return { storage, migrations: row ? current() : { ok: false, message: `${LATEST_MIGRATION} is not applied`, fix } };
  } catch {
    return { storage, migrations: { ok: false, message: "no migrations are applied (the d1_migrations table is missing)", fix } };
  }
}

async function probePostgres(
  settings: StorageSettings & { provider: "postgres" },
  defer?: (work: Promise<unknown>) => void,
): Promise<StorageProbe> {
  const pool = createPool(settings, { max: 1, defer });
  await pool.query("SELECT 1");
  const storage = { ok: true, message: "postgres answers" };
  const fix = "npm run migrate:postgres with DATABASE_URL set (docs/storage.md)";
  try {
    const { rows } = await pool.query("SELECT name FROM flowrunner_migrations WHERE name = $1", [LATEST_MIGRATION]);
    return { storage, migrations: rows.length > 0 ? current() : { ok: false, message: `${LATEST_MIGRATION} is not applied`, fix } };
  } catch {
    return { storage, migrations: { ok: false, message: "no migrations are applied (the flowrunner_migrations table is missing)", fix } };
  }
}

async function probeDynamo(client: DynamoClient): Promise<StorageProbe> {
  const storage = { ok: true, message: "dynamodb answers" };
  const fix = "npm run dynamodb:create-table with the DYNAMODB_* variables set (docs/storage.md)";
  let table: { TableStatus: string; GlobalSecondaryIndexes?: { IndexName: string; IndexStatus: string }[] };
  try {
    ({ Table: table } = await client.send<{ Table: typeof table }>("DescribeTable", { TableName: client.table }));
  } catch (error) {
    if (error instanceof DynamoError && error.type === "ResourceNotFoundException") {
      return { storage, migrations: { ok: false, message: `table ${client.table} does not exist`, fix } };
    }
    throw error;
  }
  const indexes = new Map((table.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.IndexStatus]));
  const missing = ["GSI1", "GSI2", "GSI3"].filter((name) => indexes.get(name) !== "ACTIVE");
  if (table.TableStatus !== "ACTIVE")
    return { storage, migrations: { ok: false, message: `table ${client.table} is ${table.TableStatus}` } };
  if (missing.length > 0) return { storage, migrations: { ok: false, message: `indexes not active: ${missing.join(", ")}`, fix } };
  return { storage, migrations: { ok: true, message: `table ${client.table} and its indexes are ACTIVE` } };
}

const current = (): ProbeResult => ({ ok: true, message: `${LATEST_MIGRATION} is applied` });

function safeMessage(error: unknown, hide: readonly (string | undefined)[]): string {
  let message = error instanceof Error ? error.message : String(error);
  for (const value of hide) if (value) message = message.replaceAll(value, "[redacted]");
  return message.slice(0, 300);
}

function databasePassword(url: string | undefined): string | undefined {
  try {
    return url ? decodeURIComponent(new URL(url).password) || undefined : undefined;
  } catch {
    return undefined;
  }
}
