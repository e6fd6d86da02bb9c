import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startDynamoLocal } from "../scripts/dynamodb-local.mjs";
import { startRelay } from "../scripts/pg-ws-relay.mjs";
import { startPgvectorLocal } from "../scripts/pgvector-local.mjs";
import { DynamoClient, type DynamoSettings } from "../src/lib/dynamodb/client";
import { ensureTable } from "../src/storage/dynamodb/table";
import { createPool } from "../src/storage/postgres/connection";
import { applyMigrations, quoteIdentifier } from "../src/storage/postgres/migrate";
import { isReachable, missingService, TEST_DATABASE_URL } from "./storage-services";

export interface PostgresTarget {
  /** DATABASE_URL for this run: its own schema through `options=-c search_path=...`. */
  url: string;
  /** NEON_WS_PROXY: the relay started for this run. */
  wsProxy: string;
  schema: string;
}

export interface StorageServices {
  runId: string;
  postgres: PostgresTarget | { skip: string };
  dynamodb: DynamoSettings | { skip: string };
  /** PostgreSQL with pgvector (PGlite, scripts/pgvector-local.mjs) and a relay to it; npm-only, so never skipped. */
  pgvector: { url: string; wsProxy: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The Postgres schema and DynamoDB table of this test run, or why a provider is skipped. */
    storageServices: StorageServices;
  }
}

interface Running {
  services: StorageServices;
  users: number;
  stop: () => Promise<void>;
}

// Several workers projects list this setup; they share one set of services.
const registry = globalThis as typeof globalThis & { __flowrunnerStorage?: Promise<Running> };

/**
 * Starts what the storage tests need, once per test run: a WebSocket-to-TCP
 * relay to the local PostgreSQL with a fresh schema (migrated), dynalite
 * with a fresh table, and PostgreSQL with pgvector (PGlite) behind a relay of
 * its own. Torn down (schema dropped) when the last project ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  registry.__flowrunnerStorage ??= start();
  const running = await registry.__flowrunnerStorage;
  running.users++;
  project.provide("storageServices", running.services);
  return async () => {
    if (--running.users === 0) {
      delete registry.__flowrunnerStorage;
      await running.stop();
    }
  };
}

async function start(): Promise<Running> {
  const runId = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const stops: (() => Promise<void>)[] = [];
  const [postgres, dynamodb, pgvector] = await Promise.all([startPostgres(runId, stops), startDynamo(runId, stops), startPgvector(stops)]);
  return {
    services: { runId, postgres, dynamodb, pgvector },
    users: 0,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.warn("storage teardown:", error));
    },
  };
}

async function startPostgres(runId: string, stops: (() => Promise<void>)[]): Promise<PostgresTarget | { skip: string }> {
  const base = new URL(TEST_DATABASE_URL);
  if (!(await isReachable(TEST_DATABASE_URL))) {
    return { skip: missingService(`PostgreSQL at ${base.host} is unreachable: the Postgres storage tests are skipped`) };
  }
  const relay = await startRelay();
  stops.push(() => relay.close());
  const schema = `fr_test_${runId}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const admin = createPool({ url: TEST_DATABASE_URL, wsProxy: relay.url }, { idleTimeoutMillis: 100 });
  stops.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  });
  await dropStaleSchemas(admin);
  const dir = path.join(import.meta.dirname, "..", "migrations", "postgres");
  const migrations = readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .map((name) => ({ name, sql: readFileSync(path.join(dir, name), "utf8") }));
  await applyMigrations(admin, migrations, { schema });
  return { url: url.toString(), wsProxy: relay.url, schema };
}

/** Schemas left by runs that were killed before their teardown, older than six hours. */
async function dropStaleSchemas(pool: ReturnType<typeof createPool>): Promise<void> {
  const { rows } = await pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'fr\\_test\\_%'");
  for (const { nspname } of rows) {
    const started = parseInt(nspname.split("_")[2] ?? "", 36);
    if (Number.isFinite(started) && Date.now() - started > 6 * 3600_000) {
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(nspname)} CASCADE`);
    }
  }
}

/** PGlite starts on the first connection, so runs that do not use it pay nothing. */
async function startPgvector(stops: (() => Promise<void>)[]): Promise<{ url: string; wsProxy: string }> {
  const [local, relay] = await Promise.all([startPgvectorLocal(), startRelay()]);
  stops.push(
    () => local.close(),
    () => relay.close(),
  );
  return { url: local.url, wsProxy: relay.url };
}

async function startDynamo(runId: string, stops: (() => Promise<void>)[]): Promise<DynamoSettings | { skip: string }> {
  let local: Awaited<ReturnType<typeof startDynamoLocal>>;
  try {
    local = await startDynamoLocal();
  } catch (error) {
    return { skip: missingService(`dynalite did not start (${String(error)}): the DynamoDB storage tests are skipped`) };
  }
  stops.push(() => local.close());
  const settings: DynamoSettings = {
    endpoint: local.endpoint,
    region: "us-east-1",
    table: `flowrunner-test-${runId}`,
    accessKeyId: "test",
    secretAccessKey: "test",
  };
  await ensureTable(new DynamoClient(settings));
  return settings;
}
