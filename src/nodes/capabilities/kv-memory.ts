/** An in-memory KeyValueStore for tests and local runs: one Map per namespace, lost with the process. */
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
import {
  checkKey,
  checkNamespace,
  checkRequestId,
  checkVersion,
  compareUtf8,
  DEFAULT_LIMITS,
  decodeCursor,
  encodeCursor,
  encodeValue,
  expiryFor,
  listLimit,
  REQUEST_ID_WINDOW_MS,
  storeFull,
  versionConflict,
  writeFingerprint,
  type KeyValueLimits,
  type KeyValueStore,
  type KeyValueWriteOptions,
} from "./kv";
import { compileQuery, queryPosition, runQuery } from "./kv-query";

interface Entry {
  json: string;
  version: number;
  expiresAt: number | null;
}

/** `now` drives expiry, so tests can move time. */
export function createMemoryKeyValueStore(now: () => number = Date.now, limits: Partial<KeyValueLimits> = {}): KeyValueStore {
  const spaces = new Map<string, KeyValueStore>();
  const space = (name: string): KeyValueStore => {
    checkNamespace(name);
    let store = spaces.get(name);
    if (!store) {
      store = memorySpace(now, { ...DEFAULT_LIMITS, ...limits }, space);
      spaces.set(name, store);
    }
    return store;
  };
  return space("default");
}

function memorySpace(now: () => number, limits: KeyValueLimits, namespace: (name: string) => KeyValueStore): KeyValueStore {
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

  /** Live keys from `after` on with the prefix, in key order. */
  const liveKeys = (prefix: string, after: string | null): string[] =>
    [...entries.keys()]
      .filter((key) => key.startsWith(prefix) && (after === null || compareUtf8(key, after) > 0) && live(key) !== undefined)
      .sort(compareUtf8);

  /** Request ids of recent writes, oldest first (a Map keeps insertion order). */
  const applied = new Map<string, { fingerprint: string; answer: JsonValue; at: number }>();
  /** Runs a write once per request id and arguments (see KeyValueWriteOptions). */
  const once = <T extends JsonValue>(options: KeyValueWriteOptions | undefined, args: () => string, work: () => T): T => {
    const id = options?.requestId;
    checkRequestId(id);
    if (id === undefined) return work();
    const fingerprint = args();
    const since = now() - REQUEST_ID_WINDOW_MS;
    for (const [old, record] of applied) {
      if (record.at > since) break;
      applied.delete(old);
    }
    const seen = applied.get(id);
    if (seen?.fingerprint === fingerprint) return structuredClone(seen.answer) as T;
    const answer = work();
    applied.delete(id);
    applied.set(id, { fingerprint, answer, at: now() });
    return answer;
  };

  const write = (key: string, json: string, expiresAt: number | null, previous: Entry | undefined): number => {
    if (previous === undefined && entries.size >= limits.maxKeys) {
      for (const k of [...entries.keys()]) live(k);
      if (entries.size >= limits.maxKeys) throw storeFull(limits.maxKeys);
    }
    const version = (previous?.version ?? 0) + 1;
    entries.set(key, { json, version, expiresAt });
    return version;
  };

  return {
    async get(key) {
      checkKey(key);
      const entry = live(key);
      return entry === undefined ? undefined : (JSON.parse(entry.json) as JsonValue);
    },

    async getEntry(key) {
      checkKey(key);
      const entry = live(key);
      return entry === undefined
        ? undefined
        : { value: JSON.parse(entry.json) as JsonValue, version: entry.version, expiresAt: entry.expiresAt };
    },

    async set(key, value, options) {
      checkKey(key);
      checkVersion(options?.ifVersion);
      const json = encodeValue(value);
      const fingerprint = () => writeFingerprint("set", key, json, options?.ttlMs ?? null, options?.ifVersion ?? null);
      const version = once(options, fingerprint, () => {
        const expiresAt = expiryFor(options, now());
        const previous = live(key);
        if (options?.ifVersion !== undefined && options.ifVersion !== (previous?.version ?? 0)) {
          throw versionConflict(key, options.ifVersion, previous?.version ?? 0);
        }
        return write(key, json, expiresAt, previous);
      });
      return { version };
    },

    async delete(key, options) {
      checkKey(key);
      return once(
        options,
        () => writeFingerprint("delete", key),
        () => {
          const existed = live(key) !== undefined;
          entries.delete(key);
          return existed;
        },
      );
    },

    async list(options = {}) {
      const limit = listLimit(options.limit);
      const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
      const keys = liveKeys(options.prefix ?? "", after);
      const page = keys.slice(0, limit);
      return { keys: page, cursor: keys.length > limit ? encodeCursor(page[page.length - 1]!) : null };
    },

    async query(options = {}) {
      compileQuery(options);
      const position = queryPosition(options);
      const keys = liveKeys(options.prefix ?? "", position.kind === "after" ? position.key : null);
      const read = keys.slice(0, limits.queryScanLimit + 1).map((key) => ({ key, json: entries.get(key)!.json }));
      return runQuery(read, keys.length > read.length, options, position, limits.queryScanLimit);
    },

    async increment(key, by = 1, options) {
      checkKey(key);
      if (typeof by !== "number" || !Number.isFinite(by)) {
        throw new NodeError("invalid_increment", "increment takes a finite number", null, false);
      }
      return once(
        options,
        () => writeFingerprint("increment", key, by),
        () => incrementNow(key, by),
      );
    },

    async append(key, value, options) {
      checkKey(key);
      const json = encodeValue(value);
      return once(
        options,
        () => writeFingerprint("append", key, json),
        () => appendNow(key, value),
      );
    },

    namespace,
  };

  function incrementNow(key: string, by: number): number {
    const entry = live(key);
    const current = entry === undefined ? 0 : (JSON.parse(entry.json) as JsonValue);
    if (typeof current !== "number") {
      throw new NodeError("not_a_number", `The value at '${key}' is not a number`, null, false);
    }
    const next = current + by;
    if (!Number.isFinite(next)) throw new NodeError("invalid_increment", "The result is not a finite number", null, false);
    write(key, JSON.stringify(next), entry?.expiresAt ?? null, entry);
    return next;
  }

  function appendNow(key: string, value: JsonValue): number {
    const entry = live(key);
    const current = entry === undefined ? [] : (JSON.parse(entry.json) as JsonValue);
    if (!Array.isArray(current)) throw new NodeError("not_a_list", `The value at '${key}' is not a list`, null, false);
    current.push(value);
    write(key, encodeValue(current), entry?.expiresAt ?? null, entry);
    return current.length;
  }
}
