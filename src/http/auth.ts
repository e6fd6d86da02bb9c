import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/** The address failed logins are counted against; local runs have none. */
export const clientIp = (header: (name: string) => string | undefined): string =>
  header("CF-Connecting-IP") ?? header("X-Real-IP") ?? "local";

/**
 * Rejects unauthenticated requests with 401, and requests over the account's
 * API rate limit with 429; sets the `principal` variable otherwise.
 * Browsers cannot set headers on a WebSocket, so an upgrade may carry its
 * bearer token as `?access_token=` instead.
 * Several `use()` patterns can match one path (`/x` and `/x/*`); the request
 * is authenticated and counted once.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("principal")) return next();
  const queryToken = c.req.header("Upgrade")?.toLowerCase() === "websocket" ? c.req.query("access_token") : undefined;
  const header = c.req.header("Authorization") ?? (queryToken ? `Bearer ${queryToken}` : undefined);
  const principal = await c.get("services").auth.authenticate(
    header,
    clientIp((n) => c.req.header(n)),
  );
  await c.get("services").rateLimit.admit(principal.account_id);
  c.set("principal", principal);
  await next();
});
