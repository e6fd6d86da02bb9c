import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import { refusedInProduction } from "../services/readiness";
import type { AppEnv } from "./context";
import { errorResponse } from "./errors";

/** What an operator needs to reach to find out why the service refuses: liveness and readiness. */
const ALWAYS_SERVED = new Set(["/health", "/ready", "/api/v1/health", "/api/v1/ready"]);

/**
 * Production mode (FLOWRUNNER_ENV) refuses to serve while the JWT secret or the vault's master key is
 * the public development value: anyone could mint sessions or read the secrets. Every request but
 * liveness and readiness answers 503 naming what to set (docs/security.md#production-mode).
 */
export const refuseInsecureProduction = createMiddleware<AppEnv>(async (c, next) => {
  if (ALWAYS_SERVED.has(c.req.path)) return next();
  const missing = refusedInProduction(c.env);
  if (missing.length === 0) return next();
  return errorResponse(
    new AppError(
      503,
      "insecure_configuration",
      `FlowRunner runs in production mode with development values for ${missing.join(" and ")}: set ${missing.map((name) => `\`wrangler secret put ${name}\``).join(" and ")} (or FLOWRUNNER_ENV=development for local use)`,
      { missing },
    ),
    c,
  );
});
