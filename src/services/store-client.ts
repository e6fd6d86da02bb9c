/**
 * The KeyValueStore port over store objects (src/objects/store/), one per namespace of an account:
 * what `ctx.kv` and the store API use. Values are checked here before the call and cross as JSON text.
 */
import { NodeError } from "../engine/outcome";
import type { JsonValue } from "../lib/json";
import { checkKey, checkNamespace, DEFAULT_NAMESPACE, encodeValue, type KeyValueStore } from "../nodes/capabilities/kv";
import type { StoreAnswer, StoreRpc } from "./store-rpc";

/** `rpc(namespace)` reaches the namespace's object (names are checked before it is called). */
export function remoteKeyValueStore(
  rpc: (namespace: string) => StoreRpc,
  namespace = DEFAULT_NAMESPACE,
  spaces = new Map<string, KeyValueStore>(),
): KeyValueStore {
  checkNamespace(namespace);
  let stub: StoreRpc | undefined;
  const object = () => (stub ??= rpc(namespace));
  const store: KeyValueStore = {
    async get(key) {
      checkKey(key);
      const entry = unwrap(await object().get(key));
      return entry === null ? undefined : (JSON.parse(entry.json) as JsonValue);
    },
    async getEntry(key) {
      checkKey(key);
      const entry = unwrap(await object().get(key));
      return entry === null
        ? undefined
        : { value: JSON.parse(entry.json) as JsonValue, version: entry.version, expiresAt: entry.expiresAt };
    },
    async set(key, value, options = {}) {
      checkKey(key);
      const version = unwrap(
        await object().set(key, encodeValue(value), options.ttlMs ?? null, options.ifVersion ?? null, options.requestId ?? null),
      );
      return { version };
    },
    async delete(key, options = {}) {
      checkKey(key);
      return unwrap(await object().delete(key, options.requestId ?? null));
    },
    async list(options = {}) {
      return unwrap(await object().list(options.prefix ?? "", options.cursor ?? null, options.limit ?? null));
    },
    async query(options = {}) {
      const page = unwrap(
        await object().query({
          prefix: options.prefix ?? "",
          cursor: options.cursor ?? null,
          limit: options.limit ?? null,
          sort: options.sort ?? null,
          filter: options.filter === undefined ? null : JSON.stringify(options.filter),
        }),
      );
      return { items: page.items.map((item) => ({ key: item.key, value: JSON.parse(item.json) as JsonValue })), cursor: page.cursor };
    },
    async increment(key, by = 1, options = {}) {
      checkKey(key);
      return unwrap(await object().increment(key, by, options.requestId ?? null));
    },
    async append(key, value, options = {}) {
      checkKey(key);
      return unwrap(await object().append(key, encodeValue(value), options.requestId ?? null));
    },
    // One store (and stub) per namespace, however often a node asks for it.
    namespace: (name) => {
      if (name === namespace) return store;
      let other = spaces.get(name);
      if (!other) {
        other = remoteKeyValueStore(rpc, name, spaces);
        spaces.set(name, other);
      }
      return other;
    },
  };
  return store;
}

/** An object's answer, or its failure as the NodeError it was. */
export function unwrap<T>(answer: StoreAnswer<T>): T {
  if (answer.ok) return answer.value;
  throw new NodeError(answer.code, answer.message, answer.details, false);
}
