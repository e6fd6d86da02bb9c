/**
 * `ctx.kv`: the account's key-value store, shared by every flow and run of the account (the `store`
 * node's backing). The interface and its rules live here; providers implement it (an in-memory one
 * below for tests and local runs) and prove themselves with the conformance suite in
 * test/unit/nodes/kv-conformance.ts.
 *
 * Every failure is a non-retryable NodeError, because retrying the same call cannot succeed:
 * `invalid_key`, `invalid_value`, `value_too_large`, `invalid_ttl`, `not_a_number`,
 * `invalid_increment`, `invalid_cursor`. Provider outages are the provider's to report (retryable).
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
export const DEFAULT_LIST_LIMIT = 100;
/** One page stays one bounded query for every provider. */
export const MAX_LIST_LIMIT = 1000;

export interface KeyValueSetOptions {
  /**
   * Lifetime in milliseconds, a positive finite number. The key reads as absent from `now + ttlMs` on
   * (for get, list, delete and increment). Without it the key never expires, and a TTL set earlier is
   * cleared.
   */
  ttlMs?: number;
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

export interface KeyValueStore {
  /** The value, or undefined when the key is absent or expired. Each call returns a fresh copy. */
  get(key: string): Promise<JsonValue | undefined>;
  /** Stores a copy of the value, replacing any value and TTL the key had. */
  set(key: string, value: JsonValue, options?: KeyValueSetOptions): Promise<void>;
  /** True when the key was present (and not expired). */
  delete(key: string): Promise<boolean>;
  list(options?: KeyValueListOptions): Promise<KeyValuePage>;
  /**
   * Adds `by` (default 1, any finite number) and returns the new value, atomically per key: concurrent
   * increments never lose one. An absent or expired key counts as 0 and is created without a TTL; an
   * existing number keeps its TTL. A key holding anything but a number fails with `not_a_number` and is
   * left unchanged.
   */
  increment(key: string, by?: number): Promise<number>;
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

interface Entry {
  json: string;
  expiresAt: number | null;
}

/**
 * An in-memory store for tests and local runs: one Map, lost with the process. `now` drives expiry, so
 * tests can move time.
 */
export function createMemoryKeyValueStore(now: () => number = Date.now): KeyValueStore {
  const entries = new Map<string, Entry>();

  /** The live entry, dropping it when expired. */
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    async get(key) {
      checkKey(key);
      const entry = live(key);
      return entry === undefined ? undefined : (JSON.parse(entry.json) as JsonValue);
    },

    async set(key, value, options) {
      checkKey(key);
      const json = encodeValue(value);
      entries.set(key, { json, expiresAt: expiryFor(options, now()) });
    },

    async delete(key) {
      checkKey(key);
      const existed = live(key) !== undefined;
      entries.delete(key);
      return existed;
    },

    async list(options = {}) {
      const prefix = options.prefix ?? "";
      const limit = listLimit(options.limit);
      const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
      const keys = [...entries.keys()]
        .filter((key) => key.startsWith(prefix) && (after === null || compareUtf8(key, after) > 0) && live(key) !== undefined)
        .sort(compareUtf8);
      const page = keys.slice(0, limit);
      return { keys: page, cursor: keys.length > limit ? encodeCursor(page[page.length - 1]!) : null };
    },

    async increment(key, by = 1) {
      checkKey(key);
      if (typeof by !== "number" || !Number.isFinite(by)) {
        throw new NodeError("invalid_increment", "increment takes a finite number", null, false);
      }
      const entry = live(key);
      const current = entry === undefined ? 0 : (JSON.parse(entry.json) as JsonValue);
      if (typeof current !== "number") {
        throw new NodeError("not_a_number", `The value at '${key}' is not a number`, null, false);
      }
      const next = current + by;
      if (!Number.isFinite(next)) throw new NodeError("invalid_increment", "The result is not a finite number", null, false);
      entries.set(key, { json: JSON.stringify(next), expiresAt: entry?.expiresAt ?? null });
      return next;
    },
  };
}

const encodeCursor = (key: string): string => base64UrlEncode(utf8(key));

function decodeCursor(cursor: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(base64UrlDecode(cursor));
  } catch {
    throw new NodeError("invalid_cursor", "The cursor does not come from this store", null, false);
  }
}
