import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { clientIp } from "../http/auth";
import type { AppEnv } from "../http/context";
import { errorResponse } from "./schemas";

const HOOK_METHODS = ["post", "get", "put", "patch", "delete"] as const;

/**
 * Public webhook URLs: `/hooks/{trigger id}`, outside `/api/v1` and its middleware (no account
 * credential, no API rate limit, any content type). The trigger's own settings decide methods,
 * verification, size, rate and CORS (docs/triggers.md).
 */
export function hookRoutes(app: OpenAPIHono<AppEnv>): void {
  // Any method reaches the service, which answers by the trigger's settings; the document lists the
  // methods a trigger may declare.
  for (const method of HOOK_METHODS) {
    app.openAPIRegistry.registerPath({
      method,
      path: "/hooks/{id}",
      operationId: `callWebhookTrigger${method[0]!.toUpperCase()}${method.slice(1)}`,
      tags: ["Triggers"],
      summary: `Start a flow through its webhook trigger (${method.toUpperCase()}, if the trigger declares it in methods)`,
      description:
        "The URL of a flow's `webhook` trigger. It takes no account credential: the trigger's `verify` scheme (a signature, a shared token, Basic) decides who may call it. The run's input is the request (method, headers, query, parsed body); what the call answers depends on the trigger's `response` mode.",
      security: [],
      request: {
        params: z.object({
          id: z
            .string()
            .openapi({ param: { name: "id", in: "path" }, example: "trg_0123456789abcdefghijklmno", description: "Trigger id" }),
        }),
      },
      responses: {
        200: { description: "`last_node`: the run completed; the body is its output. `respond_node`: what the `respond` node answered" },
        202: {
          description: "`immediate`, or the run had not finished in time",
          content: { "application/json": { schema: z.object({ execution_id: z.string(), status: z.string() }) } },
        },
        400: errorResponse("A JSON body that does not parse, or is over the input budget"),
        401: errorResponse("The trigger's verification failed (details.reason)"),
        404: errorResponse("No webhook trigger with this id"),
        405: errorResponse("The method is not in the trigger's methods"),
        409: errorResponse("The flow is disabled, or the trigger is declared enabled: false"),
        413: errorResponse("The body is over max_body or MAX_BODY_BYTES"),
        429: errorResponse("The trigger's rate_limit is spent; see Retry-After"),
        502: errorResponse("last_node or respond_node: the run failed or was cancelled"),
      },
    });
  }
  app.all("/hooks/:id", (c) =>
    c.get("services").hooks.handle(
      c.req.param("id"),
      c.req.raw,
      clientIp((name) => c.req.header(name)),
    ),
  );
}
