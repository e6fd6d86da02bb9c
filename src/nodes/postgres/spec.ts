/** `postgres`: SQL and key-value operations on Postgres. */
import { z } from "zod";
import { jsonValue, port } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";
import { KEY_VALUE_REQUIREMENTS, keyValue } from "../store/spec";

export const POSTGRES_OPERATIONS = ["get", "set", "delete", "list", "query", "execute", "transaction"] as const;

const statement = z.strictObject({
  query: z.string().min(1).describe("SQL with $1, $2... placeholders"),
  args: z.array(jsonValue).optional().describe("Placeholder values"),
});

export const postgres = defineNodeType({
  type: "postgres",
  notRunnable: "database connections are not available on this server yet; an HTTP SQL API (e.g. Neon's) works through http.request",
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
    args: z.array(jsonValue).optional().describe("execute: placeholder values"),
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
