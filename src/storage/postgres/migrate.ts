import type { Pool } from "@neondatabase/serverless";

export interface Migration {
  /** File name, e.g. `0001_init.sql`; applied in name order. */
  name: string;
  sql: string;
}

const TRACKING_TABLE = "flowrunner_migrations";
// Any fixed number; it only has to be the same for every migrating process.
const LOCK_KEY = 7_246_031;

/**
 * Applies the migrations not yet recorded in `flowrunner_migrations`, each in
 * its own transaction together with its record, under an advisory lock so two
 * deploys cannot race. Safe to run again: applied files are skipped.
 * With `schema`, creates it if needed and migrates inside it.
 */
export async function applyMigrations(
  pool: Pool,
  migrations: readonly Migration[],
  options: { schema?: string | undefined; log?: (line: string) => void } = {},
): Promise<string[]> {
  const log = options.log ?? (() => {});
  const client = await pool.connect();
  try {
    if (options.schema) {
      const schema = quoteIdentifier(options.schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
    }
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${TRACKING_TABLE} (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const done = new Set((await client.query<{ name: string }>(`SELECT name FROM ${TRACKING_TABLE}`)).rows.map((r) => r.name));
      const applied: string[] = [];
      for (const migration of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
        if (done.has(migration.name)) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query(`INSERT INTO ${TRACKING_TABLE} (name) VALUES ($1)`, [migration.name]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`Migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
          });
        }
        log(`applied ${migration.name}`);
        applied.push(migration.name);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The schema named by `options=-c search_path=...` in a connection string, if any. */
export function searchPathOf(url: string): string | undefined {
  const options = new URL(url).searchParams.get("options") ?? "";
  const match = /(?:^|\s)-c\s*search_path=([^\s,]+)/.exec(options);
  return match?.[1];
}
