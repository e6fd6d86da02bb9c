import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/** The address failed logins are counted against; local runs have none. */
export const clientIp = (header: (name: string) => string | undefined): string =>
  header("CF-Connecting-IP") ?? header("X-Real-IP") ?? "local";

/**
 * Rejects unauthenticated requests with 401; sets `c.var.principal` otherwise.
 * Browsers cannot set headers on a WebSocket, so an upgrade may carry its
 * bearer token as `?access_token=` instead.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const queryToken = c.req.header("Upgrade")?.toLowerCase() === "websocket" ? c.req.query("access_token") : undefined;
  const header = c.req.header("Authorization") ?? (queryToken ? `Bearer ${queryToken}` : undefined);
  const principal = await c.var.services.auth.authenticate(header, clientIp((n) => c.req.header(n)));
  c.set("principal", principal);
  await next();
});
