/**
 * `ctx.postgres.route(host, port)`: how a node reaches a user's PostgreSQL server. The Neon driver
 * speaks the Postgres protocol over a WebSocket (Workers has no raw TCP for it): a Neon endpoint
 * accepts that WebSocket itself, any other server is reached through the WebSocket-to-TCP relay the
 * operator configures (`POSTGRES_WS_PROXY`, e.g. `wss://relay.example.com/v2`). The host is checked
 * against the private-network policy first, so the address checked is the address dialled.
 */
import { NodeError } from "../../engine/outcome";
import { checkHost, type PrivateNetworkPolicy } from "./network-policy";

export type PostgresRoute =
  /** A Neon endpoint: WebSocket to `wss://host/v2`, or its HTTP SQL API for a single statement. */
  | { kind: "neon"; hostname: string }
  /** Any other server: the driver's WebSocket goes to `proxy?address=host:port`. */
  | { kind: "relay"; hostname: string; proxy: string };

export interface PostgresNetwork {
  /** Throws a non-retryable NodeError: `address_not_allowed`, `invalid_address` or `not_available`. */
  route(host: string, port: number): PostgresRoute;
}

/** Hosts that serve Neon's WebSocket and HTTP endpoints themselves. */
export const isNeonHost = (hostname: string): boolean => /(^|\.)neon\.tech$/i.test(hostname.replace(/\.$/, ""));

export function postgresNetwork(options: { policy: PrivateNetworkPolicy; proxy: string | undefined }): PostgresNetwork {
  const proxy = options.proxy?.trim() || undefined;
  return {
    route(host, port) {
      if (!Number.isInteger(port) || port < 1 || port > 65_535) {
        throw new NodeError("invalid_address", `The port ${String(port)} is not between 1 and 65535`, { port }, false);
      }
      const check = checkHost(host, options.policy);
      if (!check.ok) {
        if (check.reason === "address_not_allowed") {
          throw new NodeError("address_not_allowed", check.message, { host: check.hostname, port }, false);
        }
        throw new NodeError("invalid_address", check.message, { port }, false);
      }
      if (isNeonHost(check.hostname)) return { kind: "neon", hostname: check.hostname };
      if (proxy === undefined) {
        throw new NodeError(
          "not_available",
          `PostgreSQL at ${check.hostname} can only be reached through a WebSocket relay, and this server has none (POSTGRES_WS_PROXY); Neon endpoints are reached directly`,
          { host: check.hostname },
          false,
        );
      }
      return { kind: "relay", hostname: check.hostname, proxy };
    },
  };
}
