import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { decodeCursor } from "../cursor";

/**
 * The rows after a newest-first cursor keyed by (time column, id): older
 * times, or the same time with a smaller id. Undefined without a cursor.
 */
export function olderThan(time: SQLiteColumn, id: SQLiteColumn, cursor: string | undefined, timeField: "created_at" | "time" = "created_at"): SQL | undefined {
  if (!cursor) return undefined;
  const after = decodeCursor(cursor, [timeField, "id"] as const);
  const at = String(after[timeField]);
  return or(lt(time, at), and(eq(time, at), lt(id, String(after.id))));
}
