/** `dynamodb`: key-value and native operations on the user's DynamoDB tables. */
import { z } from "zod";
import { durationParam, freeMap, jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";
import { KEY_VALUE_REQUIREMENTS, keyValue } from "../store/spec";

/** On a table with the string hash key `key`, like the other stores. */
export const DYNAMODB_KEY_VALUE_OPERATIONS = ["get", "set", "delete", "list", "query", "batch_write"] as const;
/**
 * DynamoDB's own calls on any table. `query_items` and `batch_write_items` are named apart from the
 * key-value `query` and `batch_write`, which take different params and answer differently.
 */
export const DYNAMODB_NATIVE_OPERATIONS = [
  "get_item",
  "put_item",
  "delete_item",
  "update_item",
  "query_items",
  "scan",
  "batch_get",
  "batch_write_items",
  "transact_write",
] as const;
export const DYNAMODB_OPERATIONS = [...DYNAMODB_KEY_VALUE_OPERATIONS, ...DYNAMODB_NATIVE_OPERATIONS] as const;
export type DynamoOperation = (typeof DYNAMODB_OPERATIONS)[number];

/** Reads: pure steps (no effect flush before them). */
export const DYNAMODB_READS: ReadonlySet<DynamoOperation> = new Set([
  "get",
  "list",
  "query",
  "get_item",
  "query_items",
  "scan",
  "batch_get",
]);

export const RETURN_VALUES = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"] as const;

const names = z.record(z.string(), z.string());

const transactAction = z.strictObject({
  put: freeMap.optional().describe("The item to write"),
  update: freeMap.optional().describe("The key of the item to update (with update_expression)"),
  delete: freeMap.optional().describe("The key of the item to delete"),
  condition_check: freeMap.optional().describe("The key of an item whose condition must hold"),
  table_name: z.string().min(1).optional().describe("Table (default: the node's table_name)"),
  condition_expression: z.string().optional(),
  update_expression: z.string().optional(),
  expression_attribute_names: names.optional(),
  expression_attribute_values: freeMap.optional(),
});

export const dynamodb = defineNodeType({
  type: "dynamodb",
  description:
    "DynamoDB through signed requests. Key-value operations on a table with the string hash key 'key' (get → the value, set → {key, set}, delete → {deleted, key}, list → keys, query → values with _key, batch_write → {written}) and native ones on any table (get_item → {item}, put_item/delete_item/update_item → {attributes}, query_items/scan → {items, count, next_cursor}, batch_get → {items}, batch_write_items → {written}, transact_write → {written}). A missing item → not_found; a condition that does not hold → condition_failed.",
  actions: ["default", "not_found", "condition_failed"],
  params: {
    operation: z.enum(DYNAMODB_OPERATIONS).describe(DYNAMODB_OPERATIONS.join(", ")),
    region: z.string().optional().describe("AWS region (default us-east-1, or the credentials secret's region)"),
    access_key: z.string().optional().describe('AWS access key id, usually "${secrets.AWS_ACCESS_KEY_ID}"'),
    secret_key: z.string().optional().describe("AWS secret access key"),
    table_name: z.string().min(1).optional().describe("Table (key-value default flowrunner_store; native operations need it)"),
    endpoint: z.string().optional().describe("API endpoint override (e.g. DynamoDB Local)"),
    session_token: z.string().optional().describe("AWS session token, for temporary credentials"),
    credentials: z
      .string()
      .optional()
      .describe("Name of an aws secret {access_key_id, secret_access_key, session_token?, region?} (instead of access_key/secret_key)"),
    timeout: durationParam({ positive: true }).prefault("30s").describe("Per-request timeout (default 30s)"),
    ...keyValue("get, set, delete", "set"),
    key: z
      .union([z.string().min(1), freeMap])
      .optional()
      .describe("get, set, delete: the key (a string); get_item, delete_item, update_item: the item's key attributes (a map)"),
    limit: z.number().int().min(1).optional().describe("list, query: at most this many results; query_items, scan: items read per page"),
    items: z.array(jsonValue).min(1).optional().describe("batch_write: [{key, value}]"),
    cursor: z.string().optional().describe("query_items, scan: next_cursor of the previous page"),
    item: freeMap.optional().describe("put_item: the item"),
    condition_expression: z.string().optional().describe("put_item, delete_item, update_item: write only when this holds"),
    update_expression: z.string().optional().describe('update_item: e.g. "SET #n = :v ADD hits :one"'),
    expression_attribute_names: names.optional().describe('{"#n": "name"} for the expressions'),
    expression_attribute_values: freeMap.optional().describe('{":v": value} for the expressions, plain JSON'),
    return_values: z.enum(RETURN_VALUES).optional().describe("put_item: NONE or ALL_OLD; update_item: default ALL_NEW"),
    key_condition_expression: z.string().optional().describe('query_items: e.g. "pk = :p AND begins_with(sk, :s)"'),
    filter_expression: z.string().optional().describe("query_items, scan: drop items that do not match (after limit)"),
    projection_expression: z.string().optional().describe("get_item, query_items, scan, batch_get: attributes to read"),
    index_name: z.string().min(1).optional().describe("query_items, scan: a secondary index"),
    scan_index_forward: z.boolean().optional().describe("query_items: ascending sort key (default true)"),
    consistent_read: z.boolean().optional().describe("get_item, query_items, scan, batch_get: strongly consistent"),
    keys: z.array(freeMap).min(1).optional().describe("batch_get: the items' keys"),
    put_items: z.array(freeMap).optional().describe("batch_write_items: items to write"),
    delete_keys: z.array(freeMap).optional().describe("batch_write_items: keys of items to delete"),
    transact_items: z
      .array(transactAction)
      .min(1)
      .max(100)
      .optional()
      .describe("transact_write: [{put|update|delete|condition_check, table_name?, condition_expression?, ...}], all or nothing"),
  },
  crossCheck: (params) =>
    requiredBySelector(params, "operation", undefined, {
      ...KEY_VALUE_REQUIREMENTS,
      batch_write: ["items"],
      get_item: ["table_name", "key"],
      put_item: ["table_name", "item"],
      delete_item: ["table_name", "key"],
      update_item: ["table_name", "key", "update_expression"],
      query_items: ["table_name", "key_condition_expression"],
      scan: ["table_name"],
      batch_get: ["table_name", "keys"],
      batch_write_items: ["table_name"],
      transact_write: ["transact_items"],
    }),
});
