import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { requireOperator } from "../http/operator";
import { accountMetrics, METRICS_WINDOWS, serviceMetricsText, type MetricsWindowName } from "../services/metrics";
import { AccountMetricsSchema, ReadinessSchema } from "../services/ops-schemas";
import { readiness } from "../services/readiness";
import { bearer, commonErrors, errorResponse, isoTime, TimeQuery } from "./schemas";

const WINDOW_NAMES = Object.keys(METRICS_WINDOWS) as [MetricsWindowName, ...MetricsWindowName[]];

const MetricsQuery = z.object({
  window: z.enum(WINDOW_NAMES).optional().openapi({ description: "The last 1h, 24h (default), 7d or 30d; or give since/until" }),
  since: TimeQuery("Runs created at or after this time (default: a day before until)"),
  until: TimeQuery("Runs created before this time (default: now)"),
});

/**
 * Readiness answers without the services, before the production-mode refusal: it must work, and say
 * why, when the store or the configuration is what is broken.
 */
export function readinessRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const [path, operationId] of [
    ["/ready", "getReady"],
    ["/api/v1/ready", "getApiReady"],
  ] as const) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        operationId,
        tags: ["Health"],
        summary: "Readiness: storage, migrations, vault keys and production settings",
        security: [],
        responses: {
          200: { description: "Every check passes", content: { "application/json": { schema: ReadinessSchema } } },
          503: {
            description: "A check fails; each failed check says why and how to fix it",
            content: { "application/json": { schema: ReadinessSchema } },
          },
        },
      }),
      async (c) => {
        const report = await readiness(c.env, (work) => c.executionCtx.waitUntil(work));
        return c.json(report, report.status === "ready" ? 200 : 503);
      },
    );
  }
}

export function metricsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/metrics", requireAuth);
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/metrics",
      operationId: "getAccountMetrics",
      tags: ["Metrics"],
      summary: "The account's run metrics over a time window",
      description:
        "Runs created in the window, by status and by flow; duration percentiles of the finished ones; the nodes failed runs failed at; steps and model tokens. Read from the execution index.",
      security: bearer,
      request: { query: MetricsQuery },
      responses: {
        200: { description: "The account's metrics", content: { "application/json": { schema: AccountMetricsSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { window, since, until } = c.req.valid("query");
      const services = c.get("services");
      const metrics = await accountMetrics(
        services.storage.executions,
        c.get("principal").account_id,
        { window, since: isoTime(since), until: isoTime(until) },
        Date.now(),
      );
      return c.json(metrics, 200);
    },
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "operatorToken", {
    type: "http",
    scheme: "bearer",
    description: "The OPERATOR_TOKEN Worker secret",
  });
  app.use("/metrics", requireOperator);
  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      operationId: "getServiceMetrics",
      tags: ["Metrics"],
      summary: "Service-wide gauges for Prometheus (operators)",
      description: "Text exposition format 0.0.4. Answers 404 while OPERATOR_TOKEN is unset.",
      security: [{ operatorToken: [] }],
      responses: {
        200: { description: "Prometheus text", content: { "text/plain": { schema: z.string() } } },
        401: errorResponse("Missing or wrong operator token"),
        404: errorResponse("OPERATOR_TOKEN is not set"),
      },
    }),
    async (c) => {
      const text = await serviceMetricsText(c.get("services").storage.executions, Date.now());
      return c.text(text, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
    },
  );
}
