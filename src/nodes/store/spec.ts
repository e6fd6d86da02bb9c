/** `store`: the account's key-value store. */
import { z } from "zod";
import { durationParam, freeMap, jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector, type ParamProblem } from "../../flow/node-types/spec";

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

/** Which operation each store-only param belongs to. */
const ONLY_FOR: Record<string, readonly string[]> = {
  if_version: ["set"],
  with_version: ["get"],
  cursor: ["list", "query"],
};

export const store = defineNodeType({
  type: "store",
  description:
    "The account's key-value store (isolated per account, strongly consistent). get → the value (action not_found when absent), set → {key, stored: true, version} (action conflict when if_version does not match), delete → {deleted, key}, list → {keys, next_cursor}, query → {items: values with _key, next_cursor}, increment → {key, new_value, incremented}, append → {key, appended, length}.",
  actions: ["default", "not_found", "conflict"],
  params: {
    operation: z.enum(STORE_OPERATIONS).describe(STORE_OPERATIONS.join(", ")),
    ...keyValue("get, set, delete, increment, append", "set, append"),
    amount: z.number().optional().describe("increment: step (default 1)"),
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe("A separate store of the account: 1-64 letters, digits, _ or - (default 'default')"),
    cursor: z.string().min(1).optional().describe("list, query: next_cursor of the previous page"),
    if_version: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("set: write only if the key is at this version (0: only if absent), else action conflict"),
    with_version: z.boolean().optional().describe("get: output {value, version} instead of the value"),
  },
  crossCheck: (params) => [
    ...requiredBySelector(params, "operation", undefined, {
      ...KEY_VALUE_REQUIREMENTS,
      increment: ["key"],
      append: ["key", "value"],
    }),
    ...misplaced(params),
  ],
});

function misplaced(params: Record<string, unknown>): ParamProblem[] {
  const operation = params.operation;
  if (typeof operation !== "string" || operation.includes("${")) return [];
  return Object.entries(ONLY_FOR)
    .filter(([name, operations]) => params[name] !== undefined && !operations.includes(operation))
    .map(([name, operations]) => ({ path: [name], message: `'${name}' applies to ${operations.join(", ")}, not to '${operation}'` }));
}
