/** `store`: the account's key-value store. */
import { z } from "zod";
import { durationParam, freeMap, jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";

/** Key-value params shared by the three stores (same operations, same meaning). */
export const keyValue = (keyOps: string, valueOps: string) => ({
  key: z.string().min(1).optional().describe(`${keyOps}: the key`),
  value: jsonValue.optional().describe(`${valueOps}: the value`),
  ttl: durationParam({ positive: true }).optional().describe("set: expire after this long"),
  prefix: z.string().optional().describe("list, query: only keys starting with this"),
  filter: freeMap.optional().describe("query: {field: value} or {field: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$contains: value}}"),
  sort: z.string().optional().describe('query: field to sort by, "-field" for descending'),
  limit: z.number().int().min(1).optional().describe("list, query: at most this many results"),
});

export const KEY_VALUE_REQUIREMENTS = {
  get: ["key"],
  set: ["key", "value"],
  delete: ["key"],
} as const;

export const STORE_OPERATIONS = ["get", "set", "delete", "list", "query", "increment", "append"] as const;

export const store = defineNodeType({
  type: "store",
  notRunnable: "the account key-value store is not available on this server yet",
  description:
    "The account's key-value store (isolated per account). get → the value, delete → {deleted, key}, list → keys, query → values with _key, increment → {key, new_value, incremented}, append → {key, appended}.",
  actions: ["default"],
  params: {
    operation: z.enum(STORE_OPERATIONS).describe(STORE_OPERATIONS.join(", ")),
    ...keyValue("get, set, delete, increment, append", "set, append"),
    amount: z.number().optional().describe("increment: step (default 1)"),
  },
  crossCheck: (params) =>
    requiredBySelector(params, "operation", undefined, {
      ...KEY_VALUE_REQUIREMENTS,
      increment: ["key"],
      append: ["key", "value"],
    }),
});
