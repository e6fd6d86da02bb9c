import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/**
 * Cross-origin access is closed unless origins are listed in CORS_ORIGINS
 * (comma-separated, exact matches). Listed origins may send credentials;
 * a wildcard is refused because it would let any site act for a logged-in user.
 */
export const corsPolicy = createMiddleware<AppEnv>(async (c, next) => {
  const allowed = c.get("services").config.corsOrigins;
  if (allowed.length === 0) return next();
  return cors({
    origin: (origin) => (allowed.includes(origin) ? origin : null),
    credentials: true,
    allowHeaders: ["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "Accept"],
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: ["ETag", "Location", "Retry-After"],
    maxAge: 600,
  })(c, next);
});
