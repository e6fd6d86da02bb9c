/**
 * `postgres`: statements and key-value operations on the user's PostgreSQL. Each step opens one
 * connection (a WebSocket: to a Neon endpoint directly, to any other server through the operator's
 * relay), sets the statement timeout, does its work and closes it; a single `execute` on Neon goes
 * over Neon's HTTP SQL API instead, with no connection to open.
 */
import { neon, types } from "@neondatabase/serverless";
import { NodeError, type NodeOutcome } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonValue } from "../../lib/json";
import { defineNode, done } from "../define";
import { connectionTarget, driverUrl } from "./connection";
import { mapDriverError, scrubber } from "./errors";
import {
  createTable,
  DEFAULT_LIST_LIMIT,
  DEFAULT_TABLE,
  deleteSql,
  getSql,
  listSql,
  querySql,
  quoteTable,
  setSql,
  withKey,
  type Sql,
} from "./kv";
import { checkSize, statementOutput, typeOverrides, type DriverResult } from "./results";
import { withSession, type Session } from "./session";
import { DEFAULT_MAX_ROWS, postgres } from "./spec";

type PostgresParams = ParamsOf<typeof postgres>;

const TYPES = typeOverrides((oid, format) => types.getTypeParser(oid, format as "text"));

/** Reads never change the database; `execute` and `transaction` may, whatever their SQL says. */
const READS = new Set(["get", "list", "query"]);

export const postgresNode = defineNode({
  spec: postgres,
  sideEffects: (params) => !READS.has(params.operation),
  run: async (ctx) => {
    const { params } = ctx;
    const target = connectionTarget(params);
    const route = ctx.postgres.route(target.host, target.port);
    const url = driverUrl(target, route.hostname);
    const scrub = scrubber([params.connection_string, url, target.password]);
    const started = ctx.now();
    try {
      const outcome =
        route.kind === "neon" && params.operation === "execute"
          ? done(checkSize(await overHttp(url, params, ctx.signal)))
          : await withSession(route, url, params.timeout, ctx.signal, (session) => operate(session, params), TYPES);
      ctx.log("info", `postgres ${params.operation} on ${route.hostname}:${target.port}`, {
        operation: params.operation,
        timing_ms: ctx.now() - started,
      });
      return outcome;
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw mapDriverError(error, scrub, params.timeout);
    }
  },
});

async function operate(session: Session, params: PostgresParams): Promise<NodeOutcome> {
  const maxRows = params.max_rows ?? DEFAULT_MAX_ROWS;
  switch (params.operation) {
    case "execute":
      return done(checkSize(statementOutput(await session.run({ text: params.query ?? "", values: params.args ?? [] }), maxRows)));
    case "transaction":
      return done(checkSize({ results: await transaction(session, params, maxRows) }));
    default:
      return keyValue(session, params);
  }
}

/** BEGIN, every statement, COMMIT; on any failure ROLLBACK, and the failure names the statement. */
async function transaction(session: Session, params: PostgresParams, maxRows: number): Promise<JsonValue[]> {
  const results: JsonValue[] = [];
  await session.run({ text: "BEGIN", values: [] });
  const statements = params.statements ?? [];
  for (const [index, statement] of statements.entries()) {
    try {
      results.push(statementOutput(await session.run({ text: statement.query, values: statement.args ?? [] }), maxRows));
    } catch (error) {
      await session.run({ text: "ROLLBACK", values: [] }).catch(() => undefined);
      throw withStatement(error, index);
    }
  }
  await session.run({ text: "COMMIT", values: [] });
  return results;
}

/** Adds the failing statement's index to a server error (the driver error keeps its fields). */
function withStatement(error: unknown, index: number): unknown {
  if (error instanceof NodeError) {
    const details = typeof error.details === "object" && error.details !== null && !Array.isArray(error.details) ? error.details : {};
    return new NodeError(error.code, `Statement ${index + 1}: ${error.message}`, { ...details, statement: index }, error.retryable);
  }
  if (typeof error === "object" && error !== null) Object.assign(error, { statementIndex: index });
  return error;
}

async function keyValue(session: Session, params: PostgresParams): Promise<NodeOutcome> {
  const table = quoteTable(params.table_name ?? DEFAULT_TABLE);
  // The table is made the first time an operation meets it missing (42P01), then the operation runs again.
  const run = async (sql: Sql): Promise<DriverResult> => {
    try {
      return await session.run(sql);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "42P01") throw error;
      await session.run({ text: createTable(table), values: [] }).catch((raced: unknown) => {
        // Two first writers at once: one creates the table, the other's CREATE meets its type row.
        if ((raced as { code?: unknown }).code !== "23505" && (raced as { code?: unknown }).code !== "42P07") throw raced;
      });
      return session.run(sql);
    }
  };
  const key = params.key ?? "";
  switch (params.operation) {
    case "get": {
      const { rows } = await run(getSql(table, key));
      const row = rows[0] as { value: JsonValue } | undefined;
      return row === undefined ? done(null, "not_found") : done(row.value);
    }
    case "set":
      await run(setSql(table, key, params.value ?? null, params.ttl));
      return done({ key, stored: true });
    case "delete": {
      const { rows } = await run(deleteSql(table, key));
      return done({ deleted: (rows[0] as { live?: boolean } | undefined)?.live === true, key });
    }
    case "list": {
      const { rows } = await run(listSql(table, params.prefix, params.limit ?? DEFAULT_LIST_LIMIT));
      return done((rows as { key: string }[]).map((row) => row.key));
    }
    case "query": {
      const sql = querySql(table, {
        prefix: params.prefix,
        filter: params.filter,
        sort: params.sort,
        limit: params.limit ?? DEFAULT_LIST_LIMIT,
      });
      const { rows } = await run(sql);
      return done(checkSize((rows as { key: string; value: JsonValue }[]).map((row) => withKey(row.key, row.value))));
    }
    default:
      throw new NodeError("invalid_params", `Unknown operation ${params.operation}`, { param: "operation" }, false);
  }
}

/** A single statement over Neon's HTTP SQL API, bounded by the timeout and the node's signal. */
async function overHttp(url: string, params: PostgresParams, signal: AbortSignal): Promise<JsonValue> {
  const sql = neon(url, { fullResults: true, types: TYPES });
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(params.timeout)]);
  try {
    const result = await sql.query(params.query ?? "", params.args ?? [], { fullResults: true, fetchOptions: { signal: deadline } });
    return statementOutput(result, params.max_rows ?? DEFAULT_MAX_ROWS);
  } catch (error) {
    if (!signal.aborted && deadline.aborted) {
      throw new NodeError(
        "statement_timeout",
        `The statement did not finish within ${params.timeout} ms (timeout)`,
        { sqlstate: null },
        false,
      );
    }
    throw error;
  }
}
