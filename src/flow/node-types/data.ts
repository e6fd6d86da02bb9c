/** Key-value and database nodes: store, dynamodb, postgres. */
import { z } from "zod";
import { durationSchema, freeMap, port } from "../primitives";
import { defineNodeType, requiredBySelector } from "./spec";

/** Key-value params shared by the three stores (same operations, same meaning). */
const keyValue = (keyOps: string, valueOps: string) => ({
  key: z.string().min(1).optional().describe(`${keyOps}: the key`),
  value: z.unknown().optional().describe(`${valueOps}: the value`),
  ttl: durationSchema({ positive: true }).optional().describe("set: expire after this long"),
  prefix: z.string().optional().describe("list, query: only keys starting with this"),
  filter: freeMap.optional().describe("query: {field: value} or {field: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$contains: value}}"),
  sort: z.string().optional().describe('query: field to sort by, "-field" for descending'),
  limit: z.number().int().min(1).optional().describe("list, query: at most this many results"),
});

const KEY_VALUE_REQUIREMENTS = {
  get: ["key"],
  set: ["key", "value"],
  delete: ["key"],
} as const;

export const STORE_OPERATIONS = ["get", "set", "delete", "list", "query", "increment", "append"] as const;

export const store = defineNodeType({
  type: "store",
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

export const DYNAMODB_OPERATIONS = ["get", "set", "delete", "list", "query", "batch_write"] as const;

export const dynamodb = defineNodeType({
  type: "dynamodb",
  description: "Key-value operations on a DynamoDB table (hash key 'key'), through signed requests to the DynamoDB API.",
  actions: ["default"],
  params: {
    operation: z.enum(DYNAMODB_OPERATIONS).describe(DYNAMODB_OPERATIONS.join(", ")),
    region: z.string().optional().describe("AWS region (default us-east-1)"),
    access_key: z.string().optional().describe('AWS access key id, usually "${secrets.AWS_ACCESS_KEY_ID}"'),
    secret_key: z.string().optional().describe("AWS secret access key"),
    table_name: z.string().min(1).optional().describe("Table (default flowrunner_store)"),
    endpoint: z.string().optional().describe("API endpoint override (e.g. DynamoDB Local)"),
    ...keyValue("get, set, delete", "set"),
    items: z.array(z.unknown()).min(1).optional().describe("batch_write: [{key, value}]"),
  },
  crossCheck: (params) => requiredBySelector(params, "operation", undefined, { ...KEY_VALUE_REQUIREMENTS, batch_write: ["items"] }),
});

export const POSTGRES_OPERATIONS = ["get", "set", "delete", "list", "query", "execute", "transaction"] as const;

const statement = z.strictObject({
  query: z.string().min(1).describe("SQL with $1, $2... placeholders"),
  args: z.array(z.unknown()).optional().describe("Placeholder values"),
});

export const postgres = defineNodeType({
  type: "postgres",
  description:
    "SQL on Postgres (e.g. Neon over HTTP): execute → rows (SELECT) or {rows_affected}; transaction → {results}; plus the key-value operations on table_name.",
  actions: ["default"],
  params: {
    operation: z.enum(POSTGRES_OPERATIONS).describe(POSTGRES_OPERATIONS.join(", ")),
    connection_string: z.string().optional().describe('postgres:// URL, usually "${secrets.DATABASE_URL}"'),
    host: z.string().optional().describe("Server host (when no connection_string)"),
    port: port.optional().describe("Server port (default 5432)"),
    user: z.string().optional().describe("User"),
    password: z.string().optional().describe("Password"),
    dbname: z.string().optional().describe("Database"),
    table_name: z.string().min(1).optional().describe("Key-value table (default flowrunner_store)"),
    query: z.string().min(1).optional().describe("execute: SQL with $1, $2... placeholders"),
    args: z.array(z.unknown()).optional().describe("execute: placeholder values"),
    statements: z.array(statement).min(1).optional().describe("transaction: [{query, args}] run atomically"),
    ...keyValue("get, set, delete", "set"),
  },
  crossCheck: (params) =>
    requiredBySelector(params, "operation", undefined, {
      ...KEY_VALUE_REQUIREMENTS,
      execute: ["query"],
      transaction: ["statements"],
    }),
});
