/** `store`: the account's key-value store through `ctx.kv` (one store per account and namespace). */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonValue } from "../../lib/json";
import type { KeyValueStore } from "../capabilities/kv";
import { defineNode, done } from "../define";
import { store } from "./spec";

type StoreParams = ParamsOf<typeof store>;

export const storeNode = defineNode({
  spec: store,
  // Reads are pure steps. Writes carry a request id the store deduplicates (KeyValueWriteOptions), so
  // a crash-replay of the step applies each write once: they need no checkpoint before them, which
  // would cost a storage flush per write.
  sideEffects: false,
  run: async (ctx) => {
    const { params } = ctx;
    const kv = params.namespace === undefined ? ctx.kv : ctx.kv.namespace(params.namespace);
    const once = { requestId: ctx.item === undefined ? ctx.idempotencyKey : `${ctx.idempotencyKey}:item-${ctx.item}` };
    switch (params.operation) {
      case "get": {
        const key = required(params, "key");
        const entry = await kv.getEntry(key);
        // A missing key is not a stored null: it takes the not_found edge (or, without one, default with null).
        if (entry === undefined) return done(null, "not_found");
        return done(params.with_version ? { value: entry.value, version: entry.version } : entry.value);
      }
      case "set":
        return set(kv, params, once.requestId);
      case "delete": {
        const key = required(params, "key");
        return done({ deleted: await kv.delete(key, once), key });
      }
      case "list": {
        const page = await kv.list(page_(params));
        return done({ keys: page.keys, next_cursor: page.cursor });
      }
      case "query": {
        const page = await kv.query({
          ...page_(params),
          ...(params.filter === undefined ? {} : { filter: params.filter as Record<string, JsonValue> }),
          ...(params.sort === undefined ? {} : { sort: params.sort }),
        });
        return done({ items: page.items.map(({ key, value }) => withKey(key, value)), next_cursor: page.cursor });
      }
      case "increment": {
        const key = required(params, "key");
        const amount = params.amount ?? 1;
        return done({ key, new_value: await kv.increment(key, amount, once), incremented: amount });
      }
      case "append": {
        const key = required(params, "key");
        const value = params.value as JsonValue;
        return done({ key, appended: value, length: await kv.append(key, value, once) });
      }
    }
  },
});

async function set(kv: KeyValueStore, params: StoreParams, requestId: string) {
  const key = required(params, "key");
  try {
    const { version } = await kv.set(key, params.value as JsonValue, {
      requestId,
      ...(params.ttl === undefined ? {} : { ttlMs: params.ttl }),
      ...(params.if_version === undefined ? {} : { ifVersion: params.if_version }),
    });
    return done({ key, stored: true, version });
  } catch (error) {
    // Losing a compare-and-set is an answer the flow routes (re-read, merge, try again), not a failure.
    if (error instanceof NodeError && error.code === "version_conflict") {
      const details = error.details as { current_version: number };
      return done(
        { key, conflict: true, expected_version: params.if_version ?? null, current_version: details.current_version },
        "conflict",
      );
    }
    throw error;
  }
}

function page_(params: StoreParams) {
  return {
    ...(params.prefix === undefined ? {} : { prefix: params.prefix }),
    ...(params.limit === undefined ? {} : { limit: params.limit }),
    ...(params.cursor === undefined ? {} : { cursor: params.cursor }),
  };
}

/** A query result as the original gave it: the value's fields plus `_key` (other values under `value`). */
function withKey(key: string, value: JsonValue): JsonValue {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return { ...value, _key: key };
  return { _key: key, value };
}

/** The spec's cross-check makes these present; a template may still have produced nothing. */
function required(params: StoreParams, name: "key"): string {
  const value = params[name];
  if (value === undefined)
    throw new NodeError("invalid_params", `operation '${params.operation}' needs param '${name}'`, { param: name }, false);
  return value;
}
