/** `postgres`: SQL and key-value operations on the user's own PostgreSQL. */
import { z } from "zod";
import { durationParam, jsonValue, port } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";
import { SECRET_SCHEMAS } from "../../vault/secret-types";
import { KEY_VALUE_REQUIREMENTS, keyValue } from "../store/spec";

export const POSTGRES_OPERATIONS = ["get", "set", "delete", "list", "query", "execute", "transaction"] as const;

/** Rows one statement may return, and the default when `max_rows` is absent. */
export const MAX_ROWS_LIMIT = 100_000;
export const DEFAULT_MAX_ROWS = 10_000;

const statement = z.strictObject({
  query: z.string().min(1).describe("SQL with $1, $2... placeholders"),
  args: z.array(jsonValue).optional().describe("Placeholder values"),
});

export const postgres = defineNodeType({
  type: "postgres",
  description:
    "SQL on your PostgreSQL (Neon directly, other servers through the server's relay): execute → {rows, row_count, fields} or {rows_affected}; transaction → {results}; plus the key-value operations on table_name (get → the value, delete → {deleted, key}, list → keys, query → values with _key).",
  actions: ["default", "not_found"],
  params: {
    operation: z.enum(POSTGRES_OPERATIONS).describe(POSTGRES_OPERATIONS.join(", ")),
    connection_string: z.string().optional().describe('postgres:// URL, usually "${secrets.DATABASE_URL}"'),
    connection: SECRET_SCHEMAS.database
      .optional()
      .describe('A database secret, "${secrets.DB}": {host, port, username, password, database, ssl_mode}'),
    host: z.string().optional().describe("Server host (when no connection_string or connection)"),
    port: port.optional().describe("Server port (default 5432)"),
    user: z.string().optional().describe("User"),
    password: z.string().optional().describe("Password"),
    dbname: z.string().optional().describe("Database"),
    table_name: z.string().min(1).optional().describe("Key-value table (default flowrunner_store), created when missing"),
    query: z.string().min(1).optional().describe("execute: SQL with $1, $2... placeholders"),
    args: z.array(jsonValue).optional().describe("execute: placeholder values"),
    statements: z.array(statement).min(1).optional().describe("transaction: [{query, args}] run atomically"),
    ...keyValue("get, set, delete", "set"),
    timeout: durationParam({ positive: true })
      .prefault("30s")
      .describe("Statement timeout, and the step's connection deadline (default 30s)"),
    max_rows: z
      .number()
      .int()
      .min(1)
      .max(MAX_ROWS_LIMIT)
      .optional()
      .describe(`Fail when a statement returns more rows (default ${DEFAULT_MAX_ROWS})`),
  },
  crossCheck: (params) =>
    requiredBySelector(params, "operation", undefined, {
      ...KEY_VALUE_REQUIREMENTS,
      execute: ["query"],
      transaction: ["statements"],
    }),
});
