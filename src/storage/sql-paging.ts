import { and, eq, gt, lt, or, type Column, type SQL } from "drizzle-orm";
import { decodeCursor } from "./cursor";

/**
 * The rows after a newest-first cursor keyed by (time column, id): older
 * times, or the same time with a smaller id. Undefined without a cursor.
 * For both SQL providers (D1 and Postgres tables).
 */
export function olderThan(
  time: Column,
  id: Column,
  cursor: string | undefined,
  timeField: "created_at" | "time" = "created_at",
): SQL | undefined {
  if (!cursor) return undefined;
  const after = decodeCursor(cursor, [timeField, "id"] as const);
  const at = String(after[timeField]);
  return or(lt(time, at), and(eq(time, at), lt(id, String(after.id))));
}

/** The rows after an ascending cursor keyed by one unique column (see `toPageByKey`). */
export function afterKey(column: Column, cursor: string | undefined, field = "id"): SQL | undefined {
  if (!cursor) return undefined;
  return gt(column, String(decodeCursor(cursor, [field])[field]));
}
