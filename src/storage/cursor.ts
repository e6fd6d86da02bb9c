import { base64UrlDecode, base64UrlEncode, utf8 } from "../lib/encoding";
import { type Page, StorageError } from "./types";

/**
 * Cursors are base64url JSON of the last item's sort key. Providers decide
 * what the key holds; callers only pass the string back.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return base64UrlEncode(utf8(JSON.stringify(key)));
}

export function decodeCursor<K extends string>(cursor: string, fields: readonly K[]): Record<K, string | number> {
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(cursor)));
    if (typeof json !== "object" || json === null) throw new Error("not an object");
    const key = json as Record<string, unknown>;
    for (const field of fields) {
      const value = key[field];
      if (typeof value !== "string" && typeof value !== "number") throw new Error(`missing ${field}`);
    }
    return key as Record<K, string | number>;
  } catch {
    throw new StorageError("invalid_cursor", "The cursor is not valid");
  }
}

/** Newest-first pages keyed by (created_at, id); the one extra row fetched tells whether more exist. */
export function toPage<T extends { created_at: string; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: rows.length > limit && last ? encodeCursor({ created_at: last.created_at, id: last.id }) : null,
  };
}

/** Pages sorted by one unique field, ascending (ids, keys); the cursor holds that field of the last item. */
export function toPageByKey<T extends Record<K, string>, K extends string>(rows: T[], limit: number, field: K): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last ? encodeCursor({ [field]: last[field] }) : null };
}
