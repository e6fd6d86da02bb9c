import type { OpenAPIHono } from "@hono/zod-openapi";
import { clientIp } from "../http/auth";
import type { AppEnv } from "../http/context";

/**
 * Public webhook URLs: `/hooks/{trigger id}`, outside `/api/v1` and its middleware (no account
 * credential, no API rate limit, any content type). The trigger's own settings decide methods,
 * verification, size, rate and CORS (docs/triggers.md).
 */
export function hookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.all("/hooks/:id", (c) =>
    c.get("services").hooks.handle(
      c.req.param("id"),
      c.req.raw,
      clientIp((name) => c.req.header(name)),
    ),
  );
}
