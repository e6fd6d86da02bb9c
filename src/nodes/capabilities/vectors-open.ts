/**
 * `ctx.vectors(collection, {store})`: the account's collection in the store a node asks for. The host
 * supplies the embedded store and Vectorize (bindings); pgvector is reached like the `postgres` node
 * reaches a database, under the same address policy. A store this server lacks fails with
 * `not_available`.
 */
import { NodeError } from "../../engine/outcome";
import { driverUrl } from "../postgres/connection";
import { mapDriverError, scrubber } from "../postgres/errors";
import { withSession } from "../postgres/session";
import { pgvectorCollection } from "../postgres/vectors";
import type { PostgresNetwork } from "./postgres";
import { checkCollection, type VectorCollection, type VectorStoreOptions, type VectorStores } from "./vectors";

export interface VectorBackends {
  /** The embedded store (a Durable Object per account and collection). */
  embedded?: (accountId: string, collection: string) => VectorCollection;
  /** A bound Vectorize index. */
  vectorize?: (accountId: string, collection: string) => VectorCollection;
}

/** The default statement timeout of a pgvector operation. */
export const PGVECTOR_TIMEOUT_MS = 30_000;

export function vectorStores(accountId: string, backends: VectorBackends, postgres: PostgresNetwork, signal: AbortSignal): VectorStores {
  return (collection: string, options: VectorStoreOptions = {}) => {
    checkCollection(collection);
    const store = options.store ?? "embedded";
    if (store === "embedded" || store === "vectorize") {
      const open = backends[store];
      if (open === undefined) return unavailable(store === "embedded" ? "The embedded vector store" : "Vectorize (no index is bound)");
      return open(accountId, collection);
    }
    if (store === "pgvector" && "connection" in options) {
      const target = options.connection;
      const timeout = options.timeoutMs ?? PGVECTOR_TIMEOUT_MS;
      return pgvectorCollection(accountId, collection, async (work) => {
        const route = postgres.route(target.host, target.port);
        const url = driverUrl(target, route.hostname);
        try {
          return await withSession(route, url, timeout, signal, work);
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          throw mapDriverError(error, scrubber([url, target.password]), timeout);
        }
      });
    }
    throw new NodeError(
      "invalid_store",
      `The vector store is embedded, pgvector (with a connection) or vectorize, not '${String(store)}'`,
      null,
      false,
    );
  };
}

/** A collection whose every call fails with `not_available`. */
function unavailable(what: string): VectorCollection {
  const fail = () => Promise.reject(new NodeError("not_available", `${what} is not available on this server`, null, false));
  return { upsertDocument: fail, query: fail, delete: fail, stats: fail };
}
