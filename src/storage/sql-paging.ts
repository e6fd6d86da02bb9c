import { and, eq, gt, lt, or, type Column, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "./cursor";
import type { Page } from "./types";

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

/** The rows before a newest-first cursor keyed by a version number (flow and plugin versions). */
export function belowVersion(column: Column, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  return lt(column, Number(decodeCursor(cursor, ["version"] as const).version));
}

/** A page of `limit + 1` rows read newest version first, with the cursor belowVersion reads. */
export function toVersionPage<T extends { version: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last ? encodeCursor({ version: last.version }) : null };
}
