import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { FlowRecord } from "../storage/types";
import type { AppEnv } from "./context";

/** The address failed logins are counted against; local runs have none. */
export const clientIp = (header: (name: string) => string | undefined): string =>
  header("CF-Connecting-IP") ?? header("X-Real-IP") ?? "local";

/**
 * Rejects unauthenticated requests with 401, and requests over the account's
 * API rate limit with 429; sets the `principal` variable otherwise.
 * Browsers cannot set headers on a WebSocket, so an upgrade may carry its
 * bearer token as a subprotocol `bearer.<token>` (offered beside `flowrunner`,
 * which the answer selects; the dashboard's way, keeping the token out of URLs
 * and access logs) or as `?access_token=`.
 * Several `use()` patterns can match one path (`/x` and `/x/*`); the request
 * is authenticated and counted once.
 */
export const requireAuth = authentication();

/**
 * requireAuth for a route about the flow in its `:id` parameter (starting a run): an API token's
 * lookup reads that flow too, in the same round trip on D1 and Postgres, and hands it to the route
 * as `flow` (see `prefetchedFlow`). Register it before a `/…/*` requireAuth that matches the path.
 */
export const requireAuthWithFlow = authentication("id");

function authentication(flowParam?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.get("principal")) return next();
    const upgrade = c.req.header("Upgrade")?.toLowerCase() === "websocket";
    const socketToken = upgrade ? (protocolToken(c.req.header("Sec-WebSocket-Protocol")) ?? c.req.query("access_token")) : undefined;
    const header = c.req.header("Authorization") ?? (socketToken ? `Bearer ${socketToken}` : undefined);
    const ip = clientIp((n) => c.req.header(n));
    const { auth, rateLimit } = c.get("services");
    const flowId = flowParam === undefined ? undefined : c.req.param(flowParam);
    const { principal, flow } = flowId
      ? await auth.authenticateForFlow(header, ip, flowId)
      : { principal: await auth.authenticate(header, ip) };
    await rateLimit.admit(principal.account_id);
    c.set("principal", principal);
    if (flowId && flow !== undefined) c.set("flow", { id: flowId, record: flow });
    await next();
  });
}

/**
 * The flow `flowId` as the authentication read it (null: the account has none), or undefined when
 * it did not (a JWT or Basic credential, another flow): the route reads it then.
 */
export function prefetchedFlow(c: Context<AppEnv>, flowId: string): FlowRecord | null | undefined {
  const flow = c.get("flow");
  return flow?.id === flowId ? flow.record : undefined;
}

/** The subprotocol a browser answers with; offering it beside `bearer.<token>` is how it authenticates. */
export const SOCKET_PROTOCOL = "flowrunner";
const BEARER_PROTOCOL = "bearer.";

function protocolToken(header: string | undefined): string | undefined {
  const offered = header?.split(",").map((p) => p.trim()) ?? [];
  return offered.find((p) => p.startsWith(BEARER_PROTOCOL))?.slice(BEARER_PROTOCOL.length) || undefined;
}

/** Whether the client offered the `flowrunner` subprotocol, which the 101 answer must then name. */
export function offersSocketProtocol(header: string | undefined): boolean {
  return header?.split(",").some((p) => p.trim() === SOCKET_PROTOCOL) ?? false;
}
