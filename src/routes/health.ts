import type { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { SERVICE_VERSION } from "../version";

const Health = z.object({ status: z.literal("ok"), version: z.string(), time: z.string() }).openapi("Health");

export function healthRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const [path, operationId] of [
    ["/health", "getHealth"],
    ["/api/v1/health", "getApiHealth"],
  ] as const) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        operationId,
        tags: ["Health"],
        summary: "Liveness",
        security: [],
        responses: { 200: { description: "The service is up", content: { "application/json": { schema: Health } } } },
      }),
      (c) => c.json({ status: "ok" as const, version: SERVICE_VERSION, time: new Date().toISOString() }, 200),
    );
  }
}
