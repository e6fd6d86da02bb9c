/**
 * `ctx.kv`: the account's key-value store, shared by every flow and run of the account (the `store`
 * node's backing). The interface and its rules live here; providers implement it (an in-memory one in
 * kv-memory.ts for tests and local runs, a Durable Object per account and namespace in
 * src/objects/store/) and prove themselves with the conformance suite in test/unit/nodes/kv-conformance.ts.
 *
 * Every failure is a non-retryable NodeError, because retrying the same call cannot succeed:
 * `invalid_key`, `invalid_value`, `value_too_large`, `invalid_ttl`, `not_a_number`, `not_a_list`,
 * `invalid_increment`, `invalid_cursor`, `invalid_filter`, `invalid_namespace`, `invalid_version`, `invalid_request_id`,
 * `store_full`, `query_too_large`, and `version_conflict` (a compare-and-set that lost; `details`
 * has `current_version`). Provider outages are the provider's to report (retryable).
 */
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
import { base64UrlDecode, base64UrlEncode, utf8 } from "../../lib/encoding";

/** Workers KV's own key limit, so a KV-backed provider can store any key unchanged. */
export const MAX_KEY_BYTES = 512;
/**
 * UTF-8 size of a value's JSON. DynamoDB's 400 KB item limit must hold the value plus its key and
 * bookkeeping; D1 and PostgreSQL rows take far more.
 */
export const MAX_VALUE_BYTES = 256 * 1024;
/** Live keys one store (an account's namespace) may hold; expired keys stop counting once swept. */
export const MAX_KEYS = 100_000;
export const DEFAULT_LIST_LIMIT = 100;
/** One page stays one bounded query for every provider. */
export const MAX_LIST_LIMIT = 1000;
/** Keys a `query` examines per call: its filter runs over at most this many values. */
export const QUERY_SCAN_LIMIT = 10_000;
export const DEFAULT_NAMESPACE = "default";
const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Limits a provider enforces; tests lower them. */
export interface KeyValueLimits {
  maxKeys: number;
  queryScanLimit: number;
}
export const DEFAULT_LIMITS: KeyValueLimits = { maxKeys: MAX_KEYS, queryScanLimit: QUERY_SCAN_LIMIT };

/**
 * How long a store remembers a write's request id. A run's progress since its last checkpoint is
 * replayed after a crash; the engine writes its held progress within seconds (see
 * src/objects/execution/sqlite-writes.ts), so an hour is a wide margin.
 */
export const REQUEST_ID_WINDOW_MS = 60 * 60 * 1000;
const MAX_REQUEST_ID_BYTES = 512;

/** What every write takes. */
export interface KeyValueWriteOptions {
  /**
   * Makes the write idempotent: a write whose request id the store saw in the last
   * REQUEST_ID_WINDOW_MS, with the same arguments, is not applied again but answers what the first
   * one answered. A write that failed is not remembered. With other arguments it is a new write. The
   * `store` node derives one from its step, so a run that replays a step after a crash applies each
   * write once without making its progress durable before it.
   */
  requestId?: string;
}

export interface KeyValueSetOptions extends KeyValueWriteOptions {
  /**
   * Lifetime in milliseconds, a positive finite number. The key reads as absent from `now + ttlMs` on
   * (for every method). Without it the key never expires, and a TTL set earlier is cleared.
   */
  ttlMs?: number;
  /**
   * Compare-and-set: write only if the key's version is this one (0: only if the key is absent).
   * Otherwise nothing is written and the call fails with `version_conflict`.
   */
  ifVersion?: number;
}

export interface KeyValueListOptions {
  /** Only keys that start with this string. */
  prefix?: string;
  /** Keys per page, clamped to [1, MAX_LIST_LIMIT]; default DEFAULT_LIST_LIMIT. */
  limit?: number;
  /** From a previous page of the same listing. */
  cursor?: string;
}

export interface KeyValuePage {
  /** In ascending order of their UTF-8 bytes (the order of SQLite, PostgreSQL's "C" collation, DynamoDB). */
  keys: string[];
  /**
   * Where the next page starts, or null when no key follows. A cursor is a position ("after this key"),
   * not a snapshot: keys written after it was issued show up on later pages if they sort after it.
   */
  cursor: string | null;
}

/** A filter on a value's JSON fields (dotted paths): `{field: value}` or `{field: {$op: value, ...}}`. */
export type KeyValueFilter = Record<string, JsonValue>;

export interface KeyValueQueryOptions extends KeyValueListOptions {
  filter?: KeyValueFilter;
  /** A field to order by, `-field` for descending; without it, key order. */
  sort?: string;
}

export interface KeyValueQueryPage {
  items: { key: string; value: JsonValue }[];
  /**
   * Where the next page starts, or null. Without `sort`, a page may hold fewer than `limit` items
   * (even none) and still have a cursor: the scan stopped at QUERY_SCAN_LIMIT keys.
   */
  cursor: string | null;
}

export interface KeyValueEntry {
  value: JsonValue;
  /** 1 when the key was created, plus one for every write since (set, increment, append). */
  version: number;
  /** Epoch milliseconds, or null for a key that never expires. */
  expiresAt: number | null;
}

export interface KeyValueStore {
  /** The value, or undefined when the key is absent or expired. Each call returns a fresh copy. */
  get(key: string): Promise<JsonValue | undefined>;
  /** The value with its version, or undefined when the key is absent or expired. */
  getEntry(key: string): Promise<KeyValueEntry | undefined>;
  /**
   * Stores a copy of the value, replacing any value and TTL the key had, and returns the key's new
   * version. A key that is absent or expired starts again at version 1.
   */
  set(key: string, value: JsonValue, options?: KeyValueSetOptions): Promise<{ version: number }>;
  /** True when the key was present (and not expired). */
  delete(key: string, options?: KeyValueWriteOptions): Promise<boolean>;
  list(options?: KeyValueListOptions): Promise<KeyValuePage>;
  /** Values whose JSON matches `filter` (see kv-query.ts), in key order or by `sort`. */
  query(options?: KeyValueQueryOptions): Promise<KeyValueQueryPage>;
  /**
   * Adds `by` (default 1, any finite number) and returns the new value, atomically per key: concurrent
   * increments never lose one. An absent or expired key counts as 0 and is created without a TTL; an
   * existing number keeps its TTL. A key holding anything but a number fails with `not_a_number` and is
   * left unchanged.
   */
  increment(key: string, by?: number, options?: KeyValueWriteOptions): Promise<number>;
  /**
   * Adds the value at the end of the list at `key`, atomically per key, and returns the list's new
   * length. An absent or expired key starts as an empty list (without a TTL); an existing list keeps
   * its TTL. A key holding anything but a list fails with `not_a_list`.
   */
  append(key: string, value: JsonValue, options?: KeyValueWriteOptions): Promise<number>;
  /** Another store of the same account, isolated from this one (see checkNamespace). */
  namespace(name: string): KeyValueStore;
}

/** Checks a write's request id: a non-empty string of at most 512 bytes. */
export function checkRequestId(requestId: string | undefined | null): void {
  if (requestId === undefined || requestId === null) return;
  if (typeof requestId !== "string" || requestId.length === 0 || utf8(requestId).byteLength > MAX_REQUEST_ID_BYTES) {
    throw new NodeError("invalid_request_id", `A request id is 1 to ${MAX_REQUEST_ID_BYTES} bytes of text`, null, false);
  }
}

/**
 * A short fingerprint of a write's arguments (two 32-bit FNV-1a hashes of their JSON with different
 * offsets), kept with its request id to tell a replay from another write under the same id.
 * Synchronous, so a store's write stays one uninterrupted call.
 */
export function writeFingerprint(operation: string, ...args: (string | number | null)[]): string {
  const text = JSON.stringify([operation, ...args]);
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${text.length}`;
}

/** Checks a namespace name: 1 to 64 ASCII letters, digits, `_` or `-`. */
export function checkNamespace(name: string): void {
  if (typeof name !== "string" || !NAMESPACE_PATTERN.test(name)) {
    throw new NodeError("invalid_namespace", "A namespace is 1 to 64 letters, digits, '_' or '-'", null, false);
  }
}

/** Checks an expected version for compare-and-set: a whole number ≥ 0. */
export function checkVersion(version: number | undefined): void {
  if (version === undefined) return;
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new NodeError("invalid_version", "if_version must be a whole number ≥ 0 (0: the key must be absent)", null, false);
  }
}

/** The failure of a compare-and-set whose expected version is not the key's (0 when absent). */
export function versionConflict(key: string, expected: number, current: number): NodeError {
  return new NodeError(
    "version_conflict",
    `The key '${key}' is at version ${current}, not ${expected}`,
    { key, expected_version: expected, current_version: current },
    false,
  );
}

export function storeFull(maxKeys: number): NodeError {
  return new NodeError("store_full", `The store holds its limit of ${maxKeys} keys; delete some first`, { max_keys: maxKeys }, false);
}

/** Checks a key: a well-formed string of 1 to MAX_KEY_BYTES UTF-8 bytes. */
export function checkKey(key: string): void {
  if (typeof key !== "string" || key === "" || !key.isWellFormed()) {
    throw new NodeError("invalid_key", "A key must be a non-empty string of valid Unicode", null, false);
  }
  if (key.length > MAX_KEY_BYTES || utf8(key).byteLength > MAX_KEY_BYTES) {
    throw new NodeError("invalid_key", `A key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`, null, false);
  }
}

/**
 * The JSON text a provider stores for a value, after checking its type and size. NaN and Infinity are
 * refused rather than stored as the null JSON would make of them.
 */
export function encodeValue(value: JsonValue): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === "number" && !Number.isFinite(item)) throw new RangeError("not a finite number");
      return item;
    });
  } catch {
    json = undefined;
  }
  if (json === undefined) throw new NodeError("invalid_value", "The value cannot be stored as JSON", null, false);
  if (json.length > MAX_VALUE_BYTES || utf8(json).byteLength > MAX_VALUE_BYTES) {
    throw new NodeError("value_too_large", `A value must be at most ${MAX_VALUE_BYTES} bytes as JSON`, null, false);
  }
  return json;
}

/** The expiry time for `options` at `now`, or null for none. */
export function expiryFor(options: KeyValueSetOptions | undefined, now: number): number | null {
  const ttl = options?.ttlMs;
  if (ttl === undefined) return null;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
    throw new NodeError("invalid_ttl", "ttlMs must be a positive number of milliseconds", null, false);
  }
  return now + ttl;
}

export function listLimit(limit: number | undefined): number {
  if (typeof limit !== "number" || Number.isNaN(limit)) return DEFAULT_LIST_LIMIT;
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit)));
}

/**
 * Orders strings by their UTF-8 bytes, which is code point order. Plain `<` compares UTF-16 units and
 * puts U+10000 and above (surrogate pairs) before U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

const codeUnitRank = (unit: number): number => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

/** A position after `key`, as list and query cursors carry it. */
export const encodeCursor = (key: string): string => base64UrlEncode(utf8(key));

export function decodeCursor(cursor: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(base64UrlDecode(cursor));
  } catch {
    throw new NodeError("invalid_cursor", "The cursor does not come from this store", null, false);
  }
}
