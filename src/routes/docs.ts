import type { OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import type { AppEnv } from "../http/context";

export function docsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A JWT from POST /api/v1/login, or an API token (frt_...)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "basicAuth", {
    type: "http",
    scheme: "basic",
    description: "Username with password or API token",
  });
  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "FlowRunner API",
      version: "1.0.0",
      description: "Store YAML flows, run them, and watch them. Every error body is `{error: {code, message, details}}`.",
    },
  });
  app.get("/docs", swaggerUI({ url: "/api/v1/openapi.json", title: "FlowRunner API" }));
}
