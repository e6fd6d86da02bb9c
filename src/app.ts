import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { parseConfig, type Env } from "./env";
import { AppError } from "./errors";
import { requireBodyType } from "./http/body";
import { corsPolicy } from "./http/cors";
import type { AppEnv, Services } from "./http/context";
import { errorResponse, payloadTooLarge, validationError } from "./http/errors";
import { allowedMethods } from "./http/methods";
import { refuseInsecureProduction } from "./http/production";
import { requestLog } from "./http/request-log";
import { accountRoutes } from "./routes/accounts";
import { auditRoutes } from "./routes/audit";
import { docsRoutes } from "./routes/docs";
import { executionRoutes } from "./routes/executions";
import { operationRoutes } from "./routes/operations";
import { flowRoutes } from "./routes/flows";
import { healthRoutes } from "./routes/health";
import { mcpRoutes } from "./routes/mcp";
import { hookRoutes } from "./routes/hooks";
import { scheduleRoutes } from "./routes/schedules";
import { secretRoutes } from "./routes/secrets";
import { storeRoutes } from "./routes/store";
import { tokenRoutes } from "./routes/tokens";
import { webhookRoutes } from "./routes/webhooks";
import { pluginRoutes } from "./routes/plugins";
import { metricsRoutes, readinessRoutes } from "./routes/ops";

export type ServiceFactory = (env: Env, defer: (work: Promise<unknown>) => void) => Services;

/**
 * The composition root: wires middleware and routes around services that the
 * caller builds, so tests and other runtimes can inject their own.
 */
export function createApp(makeServices: ServiceFactory): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target === "json" ? "body" : targetName(result.target));
    },
  });

  app.onError(errorResponse);
  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length > 0) {
      return errorResponse(
        new AppError(
          405,
          "method_not_allowed",
          `${c.req.method} is not allowed here; use ${allow.join(", ")}`,
          { allow },
          {
            Allow: allow.join(", "),
          },
        ),
        c,
      );
    }
    return errorResponse(new AppError(404, "not_found", `No route for ${c.req.method} ${c.req.path}`), c);
  });

  app.use(requestLog);
  readinessRoutes(app);
  app.use(refuseInsecureProduction);
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      c.set(
        "services",
        makeServices(c.env, (work) => c.executionCtx.waitUntil(work)),
      );
      await next();
    }),
  );
  app.use("/api/*", corsPolicy);
  app.use("/api/*", async (c, next) => {
    const limit = c.get("services").config.maxBodyBytes;
    return bodyLimit({
      maxSize: limit,
      onError: () => {
        throw payloadTooLarge();
      },
    })(c, next);
  });
  app.use("/api/*", requireBodyType);

  healthRoutes(app);
  accountRoutes(app);
  tokenRoutes(app);
  flowRoutes(app);
  executionRoutes(app);
  operationRoutes(app);
  scheduleRoutes(app);
  auditRoutes(app);
  secretRoutes(app);
  webhookRoutes(app);
  pluginRoutes(app);
  storeRoutes(app);
  mcpRoutes(app);
  metricsRoutes(app);
  docsRoutes(app);
  hookRoutes(app);
  return app;
}

function targetName(target: string): "query" | "path" | "header" | "body" {
  if (target === "param") return "path";
  if (target === "query" || target === "header") return target;
  return "body";
}

export { parseConfig };
