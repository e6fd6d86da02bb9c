/**
 * The store object's SQLite core passes the same conformance suite as the in-memory store: each call
 * runs inside a real StoreObject (runInDurableObject) with the suite's clock, and goes through the
 * same client the engine uses (values as JSON text, failures as data turned back into NodeErrors).
 */
import { env, runInDurableObject } from "cloudflare:test";
import { DEFAULT_LIMITS, type KeyValueLimits } from "../../../src/nodes/capabilities/kv";
import { answer, StoreCore } from "../../../src/objects/store/core";
import { remoteKeyValueStore } from "../../../src/services/store-client";
import type { StoreAnswer, StoreRpc } from "../../../src/services/store-rpc";
import { keyValueConformance } from "../../unit/nodes/kv-conformance";

let stores = 0;

function coreRpc(name: string, now: () => number, limits: KeyValueLimits): StoreRpc {
  const stub = env.STORE.get(env.STORE.idFromName(name));
  const call = <T>(work: (core: StoreCore) => T): Promise<StoreAnswer<T>> =>
    runInDurableObject(stub, (_object, state) => answer(() => work(new StoreCore(state.storage.sql, now, limits))));
  return {
    get: (key) => call((core) => core.get(key)),
    set: (key, json, ttlMs, ifVersion, requestId) => call((core) => core.set(key, json, ttlMs, ifVersion, requestId)),
    delete: (key, requestId) => call((core) => core.delete(key, requestId)),
    list: (prefix, cursor, limit) => call((core) => core.list(prefix, cursor, limit)),
    query: (request) => call((core) => core.query(request)),
    increment: (key, by, requestId) => call((core) => core.increment(key, by, requestId)),
    append: (key, json, requestId) => call((core) => core.append(key, json, requestId)),
  };
}

keyValueConformance("Durable Object (SQLite)", (now, limits) => {
  const id = `conformance-${++stores}`;
  return remoteKeyValueStore((namespace) => coreRpc(`${id}:${namespace}`, now, { ...DEFAULT_LIMITS, ...limits }));
});
