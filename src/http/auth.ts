import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/** The address failed logins are counted against; local runs have none. */
export const clientIp = (header: (name: string) => string | undefined): string =>
  header("CF-Connecting-IP") ?? header("X-Real-IP") ?? "local";

/** Rejects unauthenticated requests with 401; sets `c.var.principal` otherwise. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const principal = await c.var.services.auth.authenticate(c.req.header("Authorization"), clientIp((n) => c.req.header(n)));
  c.set("principal", principal);
  await next();
});
