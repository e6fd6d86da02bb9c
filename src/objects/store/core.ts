/**
 * One key-value store (an account's namespace) in a Durable Object's SQLite storage. Every method is
 * synchronous, so the object runs each one whole before the next call: increments, appends and
 * compare-and-set are atomic without locks. The clock and limits are injected so tests can move time.
 *
 * Keys are the primary key of a WITHOUT ROWID table, so rows sit in key order (SQLite's BINARY order of
 * UTF-8 text, the order the port promises): a prefix listing is one range read. Expired rows stay
 * until the object's alarm sweeps them, but every read filters on `expires_at`, so none is ever served.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
import {
  checkKey,
  checkRequestId,
  checkVersion,
  decodeCursor,
  encodeCursor,
  encodeValue,
  expiryFor,
  listLimit,
  REQUEST_ID_WINDOW_MS,
  storeFull,
  versionConflict,
  writeFingerprint,
  type KeyValueFilter,
  type KeyValueLimits,
  type KeyValuePage,
} from "../../nodes/capabilities/kv";
import { compileQuery, queryPosition, runQuery, type RawEntry } from "../../nodes/capabilities/kv-query";
import type { StoreAnswer, StoredEntry, StoreQueryPage, StoreQueryRequest } from "../../services/store-rpc";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL,
  expires_at INTEGER, updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, answer TEXT NOT NULL,
  at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS requests_at ON requests (at);
`;

/** Expired rows one sweep deletes; the alarm comes back at once while more remain. */
export const SWEEP_BATCH = 1000;

interface Row {
  value: string;
  version: number;
  expires_at: number | null;
}

export class StoreCore {
  /** Rows in the table, expired or not; loaded on first need, dropped when unsure. */
  private rows: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
    private readonly limits: KeyValueLimits,
  ) {
    sql.exec(SCHEMA);
  }

  get(key: string): StoredEntry | null {
    checkKey(key);
    const row = this.live(key);
    return row === null ? null : { json: row.value, version: row.version, expiresAt: row.expires_at };
  }

  set(key: string, json: string, ttlMs: number | null, ifVersion: number | null, requestId: string | null = null): number {
    checkKey(key);
    checkVersion(ifVersion ?? undefined);
    const value = checkedJson(json);
    return this.once(
      requestId,
      () => writeFingerprint("set", key, value, ttlMs, ifVersion),
      () => {
        const expiresAt = expiryFor(ttlMs === null ? undefined : { ttlMs }, this.now());
        const row = this.row(key);
        const live = row !== null && !this.expired(row) ? row : null;
        if (ifVersion !== null && ifVersion !== (live?.version ?? 0)) throw versionConflict(key, ifVersion, live?.version ?? 0);
        return this.write(key, value, expiresAt, row, live);
      },
    );
  }

  delete(key: string, requestId: string | null = null): boolean {
    checkKey(key);
    return this.once(
      requestId,
      () => writeFingerprint("delete", key),
      () => {
        const row = this.row(key);
        if (row === null) return false;
        this.sql.exec("DELETE FROM kv WHERE key = ?", key);
        if (this.rows !== null) this.rows--;
        return !this.expired(row);
      },
    );
  }

  list(prefix: string, cursor: string | null, limit: number | null): KeyValuePage {
    const after = cursor === null ? "" : decodeCursor(cursor);
    const max = listLimit(limit ?? undefined);
    const keys = this.range(prefix, after, max + 1, "key").map((row) => String(row.key));
    const page = keys.slice(0, max);
    return { keys: page, cursor: keys.length > max ? encodeCursor(page[page.length - 1]!) : null };
  }

  query(request: StoreQueryRequest): StoreQueryPage {
    const options = {
      prefix: request.prefix,
      ...(request.cursor === null ? {} : { cursor: request.cursor }),
      ...(request.limit === null ? {} : { limit: request.limit }),
      ...(request.sort === null ? {} : { sort: request.sort }),
      ...(request.filter === null ? {} : { filter: JSON.parse(request.filter) as KeyValueFilter }),
    };
    compileQuery(options);
    const position = queryPosition(options);
    const scan = this.limits.queryScanLimit;
    const rows = this.range(request.prefix, position.kind === "after" ? position.key : "", scan + 1, "key, value");
    const entries: RawEntry[] = rows.map((row) => ({ key: String(row.key), json: String(row.value) }));
    const page = runQuery(entries, false, options, position, scan);
    return { items: page.items.map((item) => ({ key: item.key, json: JSON.stringify(item.value) })), cursor: page.cursor };
  }

  increment(key: string, by: number, requestId: string | null = null): number {
    checkKey(key);
    if (typeof by !== "number" || !Number.isFinite(by))
      throw new NodeError("invalid_increment", "increment takes a finite number", null, false);
    return this.once(
      requestId,
      () => writeFingerprint("increment", key, by),
      () => this.add(key, by),
    );
  }

  append(key: string, json: string, requestId: string | null = null): number {
    checkKey(key);
    const item = checkedJson(json);
    return this.once(
      requestId,
      () => writeFingerprint("append", key, item),
      () => this.push(key, JSON.parse(item) as JsonValue),
    );
  }

  private add(key: string, by: number): number {
    const row = this.row(key);
    const live = row !== null && !this.expired(row) ? row : null;
    const current = live === null ? 0 : (JSON.parse(live.value) as JsonValue);
    if (typeof current !== "number") throw new NodeError("not_a_number", `The value at '${key}' is not a number`, null, false);
    const next = current + by;
    if (!Number.isFinite(next)) throw new NodeError("invalid_increment", "The result is not a finite number", null, false);
    this.write(key, JSON.stringify(next), live?.expires_at ?? null, row, live);
    return next;
  }

  private push(key: string, item: JsonValue): number {
    const row = this.row(key);
    const live = row !== null && !this.expired(row) ? row : null;
    const list = live === null ? [] : (JSON.parse(live.value) as JsonValue);
    if (!Array.isArray(list)) throw new NodeError("not_a_list", `The value at '${key}' is not a list`, null, false);
    list.push(item);
    this.write(key, encodeValue(list), live?.expires_at ?? null, row, live);
    return list.length;
  }

  /** Deletes up to `max` expired rows, and request ids past their window; true when more may remain. */
  sweep(max = SWEEP_BATCH): boolean {
    const expired = this.sql.exec("SELECT key FROM kv WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", this.now(), max).toArray();
    for (const { key } of expired) this.sql.exec("DELETE FROM kv WHERE key = ?", key);
    if (expired.length > 0) this.rows = null;
    const forgotten = this.sql.exec(
      "DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE at <= ? ORDER BY at LIMIT ?)",
      this.now() - REQUEST_ID_WINDOW_MS,
      max,
    ).rowsWritten;
    return expired.length === max || forgotten === max;
  }

  /** When the alarm must next sweep: the earliest expiry of a row or of a request id, or null for none. */
  nextExpiry(): number | null {
    const row = this.sql
      .exec(
        `SELECT MIN(at) AS at FROM (SELECT MIN(expires_at) AS at FROM kv WHERE expires_at IS NOT NULL
         UNION ALL SELECT MIN(at) + ? FROM requests)`,
        REQUEST_ID_WINDOW_MS,
      )
      .one();
    return row.at === null ? null : Number(row.at);
  }

  /**
   * Runs a write once per request id and arguments (KeyValueWriteOptions.requestId): a replay answers
   * what the first call did. A write that throws leaves no record, so its replay runs again.
   */
  private once<T extends boolean | number>(requestId: string | null, fingerprint: () => string, work: () => T): T {
    checkRequestId(requestId);
    if (requestId === null) return work();
    const print = fingerprint();
    const seen = this.sql
      .exec("SELECT fingerprint, answer FROM requests WHERE id = ? AND at > ?", requestId, this.now() - REQUEST_ID_WINDOW_MS)
      .toArray()[0];
    if (seen !== undefined && seen.fingerprint === print) return JSON.parse(String(seen.answer)) as T;
    const result = work();
    this.sql.exec(
      "INSERT INTO requests (id, fingerprint, answer, at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, answer = excluded.answer, at = excluded.at",
      requestId,
      print,
      JSON.stringify(result),
      this.now(),
    );
    return result;
  }

  private row(key: string): Row | null {
    const row = this.sql.exec("SELECT value, version, expires_at FROM kv WHERE key = ?", key).toArray()[0];
    if (row === undefined) return null;
    return { value: String(row.value), version: Number(row.version), expires_at: row.expires_at === null ? null : Number(row.expires_at) };
  }

  private live(key: string): Row | null {
    const row = this.row(key);
    return row !== null && !this.expired(row) ? row : null;
  }

  private expired(row: Row): boolean {
    return row.expires_at !== null && row.expires_at <= this.now();
  }

  /** Writes the key; a key that was absent or expired starts again at version 1. */
  private write(key: string, json: string, expiresAt: number | null, row: Row | null, live: Row | null): number {
    if (row === null) this.reserve();
    const version = (live?.version ?? 0) + 1;
    this.sql.exec(
      `INSERT INTO kv (key, value, version, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at,
         updated_at = excluded.updated_at`,
      key,
      json,
      version,
      expiresAt,
      this.now(),
    );
    if (row === null && this.rows !== null) this.rows++;
    return version;
  }

  /** Room for one more row, sweeping expired ones when the store looks full. */
  private reserve(): void {
    const max = this.limits.maxKeys;
    if (this.count() < max) return;
    while (this.sweep()) {
      // A full store of expired keys is swept whole before a new key is refused.
    }
    if (this.count() >= max) throw storeFull(max);
  }

  private count(): number {
    this.rows ??= Number(this.sql.exec("SELECT COUNT(*) AS n FROM kv").one().n);
    return this.rows;
  }

  /** Live rows from the prefix on, after `after`, in key order, stopping where the prefix ends. */
  private range(prefix: string, after: string, limit: number, columns: "key" | "key, value"): Record<string, SqlStorageValue>[] {
    const rows = this.sql
      .exec(
        `SELECT ${columns} FROM kv WHERE key >= ? AND key > ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?`,
        prefix,
        after,
        this.now(),
        limit,
      )
      .toArray();
    const end = rows.findIndex((row) => !String(row.key).startsWith(prefix));
    return end === -1 ? rows : rows.slice(0, end);
  }
}

/** JSON text from a client, checked as the port checks values (type and size). */
function checkedJson(json: string): string {
  let value: JsonValue;
  try {
    value = JSON.parse(json) as JsonValue;
  } catch {
    throw new NodeError("invalid_value", "The value cannot be stored as JSON", null, false);
  }
  return encodeValue(value);
}

/** A call's result as data: a NodeError becomes a failure the caller turns back into one. */
export function answer<T>(work: () => T): StoreAnswer<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    if (error instanceof NodeError) {
      const details = (error.details ?? null) as Record<string, string | number | null> | null;
      return { ok: false, code: error.code, message: error.message, details };
    }
    throw error;
  }
}
