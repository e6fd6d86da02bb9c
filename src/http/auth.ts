import { createMiddleware } from "hono/factory";
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
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("principal")) return next();
  const upgrade = c.req.header("Upgrade")?.toLowerCase() === "websocket";
  const socketToken = upgrade ? (protocolToken(c.req.header("Sec-WebSocket-Protocol")) ?? c.req.query("access_token")) : undefined;
  const header = c.req.header("Authorization") ?? (socketToken ? `Bearer ${socketToken}` : undefined);
  const principal = await c.get("services").auth.authenticate(
    header,
    clientIp((n) => c.req.header(n)),
  );
  await c.get("services").rateLimit.admit(principal.account_id);
  c.set("principal", principal);
  await next();
});

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
