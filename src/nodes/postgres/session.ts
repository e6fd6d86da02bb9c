/**
 * One connection to a user's PostgreSQL for one step's work: a WebSocket to a Neon endpoint, or
 * through the operator's relay to any other server (ctx.postgres.route). Shared by the `postgres` node
 * and the pgvector store.
 */
import { Client, type ClientConfig } from "@neondatabase/serverless";
import { relayClient } from "../../storage/postgres/connection";
import type { PostgresRoute } from "../capabilities/postgres";
import type { Sql } from "./kv";
import type { DriverResult } from "./results";

/** Runs statements on one open connection. */
export interface Session {
  run(sql: Sql): Promise<DriverResult>;
}

/** One connection for the step: opened, given the statement timeout, always closed. */
export async function withSession<T>(
  route: PostgresRoute,
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  work: (session: Session) => Promise<T>,
  types?: ClientConfig["types"],
): Promise<T> {
  const ClientClass = route.kind === "relay" ? relayClient(route.proxy) : Client;
  const client = new ClientClass({ connectionString: url, connectionTimeoutMillis: Math.ceil(timeoutMs), ...(types ? { types } : {}) });
  // Failures reach the caller through the pending query; a socket closing under an idle client is not one.
  client.on("error", () => undefined);
  // Closing the connection is the way to stop a running statement here: the server ends it when the socket goes.
  const abort = () => void client.end().catch(() => undefined);
  signal.addEventListener("abort", abort, { once: true });
  if (signal.aborted) throw signal.reason;
  try {
    await client.connect();
  } catch (error) {
    // A failed connect has closed its socket already; ending it again would write to a closed WebSocket.
    signal.removeEventListener("abort", abort);
    throw error;
  }
  try {
    await client.query(`SET statement_timeout = ${Math.ceil(timeoutMs)}`);
    return await work({ run: (sql) => client.query({ text: sql.text, values: sql.values }) });
  } finally {
    signal.removeEventListener("abort", abort);
    await client.end().catch(() => undefined);
  }
}
