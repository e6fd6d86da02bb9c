import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/**
 * Records as a typed relation for `INSERT ... SELECT` inside one statement:
 * `jsonb_to_recordset($1::jsonb) AS alias(column type, ...)`, one jsonb
 * parameter whatever the number of rows, column names and types read from the
 * drizzle table. `columns` lists the same columns, for the INSERT and for `alias.*`.
 */
export function recordset<T extends PgTable>(table: T, records: readonly T["$inferSelect"][], alias: string): { from: SQL; columns: SQL } {
  const columns = Object.entries(getTableColumns(table));
  const rows = records.map((record) =>
    Object.fromEntries(columns.map(([field, column]) => [column.name, (record as Record<string, unknown>)[field] ?? null])),
  );
  const definitions = columns.map(([, column]) => `"${column.name}" ${column.getSQLType()}`).join(", ");
  return {
    from: sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as ${sql.raw(`"${alias}"`)}(${sql.raw(definitions)})`,
    columns: sql.raw(columns.map(([, column]) => `"${column.name}"`).join(", ")),
  };
}
