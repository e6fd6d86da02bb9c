/**
 * Applies migrations/postgres/*.sql to the database in DATABASE_URL, through
 * the same Neon driver the Worker uses. Idempotent: applied files are recorded
 * in the `flowrunner_migrations` table and skipped on the next run.
 *
 *   DATABASE_URL=postgres://... npm run migrate:postgres
 *
 * A schema named by `options=-c search_path=NAME` in the URL is created and
 * migrated. For a PostgreSQL that is not Neon, set NEON_WS_PROXY to a running
 * relay; for one on this machine the script starts its own relay.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createPool } from "../src/storage/postgres/connection";
import { applyMigrations, searchPathOf } from "../src/storage/postgres/migrate";
import { startRelay } from "./pg-ws-relay.mjs";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set (postgres://user:password@host/database)");
  process.exit(2);
}
const dir = path.join(import.meta.dirname, "..", "migrations", "postgres");
const migrations = readdirSync(dir)
  .filter((name) => /^\d{4}_.*\.sql$/.test(name))
  .map((name) => ({ name, sql: readFileSync(path.join(dir, name), "utf8") }));

const host = new URL(url).hostname;
let relay: { url: string; close: () => Promise<void> } | null = null;
let wsProxy = process.env.NEON_WS_PROXY;
if (!wsProxy && ["127.0.0.1", "localhost", "[::1]"].includes(host)) {
  relay = await startRelay();
  wsProxy = relay.url;
}
const pool = createPool({ url, wsProxy }, { idleTimeoutMillis: 100 });
try {
  const schema = searchPathOf(url);
  const applied = await applyMigrations(pool, migrations, { schema, log: (line) => console.log(line) });
  console.log(applied.length === 0 ? "Postgres schema is up to date" : `Applied ${applied.length} migration(s)`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await pool.end();
  await relay?.close();
}
