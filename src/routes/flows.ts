import type { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { JSONValue } from "hono/utils/types";
import { requireAuth, requireAuthWithFlow } from "../http/auth";
import { FLOW_SOURCE_TYPES, readFlowSource } from "../http/body";
import type { AppEnv } from "../http/context";
import { AppError } from "../errors";
import {
  FlowDetailSchema as FlowDetail,
  FlowPageSchema,
  FlowSummarySchema as FlowSummary,
  FlowValidationSchema,
  FlowVersionPageSchema,
  FlowVersionSchema as FlowVersion,
} from "../services/flow-schemas";
import { bearer, commonErrors, errorResponse, IdParam, PageQuery } from "./schemas";

// Not `required`: the route validator then checks JSON bodies only and leaves
// YAML bodies to readFlowSource, which reads both kinds.
const sourceBody = {
  required: false,
  content: {
    "application/json": {
      schema: z.object({
        name: z.string().optional(),
        content: z.string().openapi({ example: "metadata: {name: hello}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}}\n" }),
      }),
    },
    ...Object.fromEntries(
      FLOW_SOURCE_TYPES.map((type) => [type, { schema: z.string().openapi({ description: "The flow's YAML source as the whole body" }) }]),
    ),
  },
};

const FlowId = IdParam("Flow id", "flw_0123456789abcdefghijklmno");
const flowResponse = (description: string) => ({ description, content: { "application/json": { schema: FlowDetail } } });

export function flowRoutes(app: OpenAPIHono<AppEnv>): void {
  // Starting a run (executions.ts) reads the caller's API token and the flow in one round trip.
  app.on("POST", "/api/v1/flows/:id/run", requireAuthWithFlow);
  app.use("/api/v1/flows", requireAuth);
  app.use("/api/v1/flows/*", requireAuth);

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/flows/schema",
      operationId: "getFlowSchema",
      tags: ["Flows"],
      summary: "JSON Schema of a flow document for this account (built-in node types and its plugins)",
      description:
        "For editors (yaml-language-server): completes and checks node types and their params, including the node types of the plugins the account can use.",
      security: bearer,
      responses: {
        200: { description: "JSON Schema, draft 2020-12", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const schema = await c.get("services").plugins.flowSchema(c.get("principal").account_id);
      return c.json(schema as Record<string, JSONValue>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/flows/validate",
      operationId: "validateFlow",
      tags: ["Flows"],
      summary: "Validate a flow without saving it",
      security: bearer,
      request: { body: sourceBody },
      responses: {
        200: {
          description: "Validation findings (also for an invalid flow)",
          content: { "application/json": { schema: FlowValidationSchema } },
        },
        ...commonErrors,
      },
    }),
    async (c) => c.json(await c.get("services").flows.validate(c.get("principal").account_id, await readFlowSource(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/flows",
      operationId: "createFlow",
      tags: ["Flows"],
      summary: "Create a flow",
      security: bearer,
      request: { body: sourceBody },
      responses: { 201: flowResponse("Created"), ...commonErrors },
    }),
    async (c) => {
      const flow = await c.get("services").flows.create(c.get("principal"), await readFlowSource(c), origin(c));
      return c.json(flow, 201, { Location: `/api/v1/flows/${flow.id}`, ETag: etag(flow.version) });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/flows",
      operationId: "listFlows",
      tags: ["Flows"],
      summary: "List flows",
      security: bearer,
      request: {
        query: PageQuery.extend({
          name: z.string().max(200).optional().openapi({ description: "Name contains (case-insensitive)" }),
          tag: z.string().max(100).optional(),
          status: z.string().max(50).optional(),
          category: z.string().max(100).optional(),
        }),
      },
      responses: {
        200: {
          description: "A page of flows, newest first",
          content: { "application/json": { schema: FlowPageSchema } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor, name, tag, status, category } = c.req.valid("query");
      const page = await c
        .get("services")
        .flows.list(c.get("principal").account_id, { name_contains: name, tag, status, category }, limit, cursor);
      return c.json({ flows: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/flows/{id}",
      operationId: "getFlow",
      tags: ["Flows"],
      summary: "Get a flow (JSON, or the raw YAML with Accept: application/yaml)",
      security: bearer,
      request: { params: FlowId },
      responses: {
        200: {
          description: "The flow",
          content: { "application/json": { schema: FlowDetail }, "application/yaml": { schema: z.string() } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const flow = await c.get("services").flows.get(c.get("principal").account_id, c.req.valid("param").id, origin(c));
      c.header("ETag", etag(flow.version));
      if (/\b(application|text)\/(x-)?yaml\b/.test(c.req.header("Accept") ?? "")) {
        return c.body(flow.content, 200, { "Content-Type": "application/yaml; charset=utf-8" });
      }
      return c.json(flow, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/flows/{id}",
      operationId: "updateFlow",
      tags: ["Flows"],
      summary: "Save a new version of a flow",
      description: "Send `If-Match` with the version (ETag) you edited; a concurrent change then gives 412 instead of a lost update.",
      security: bearer,
      request: { params: FlowId, body: sourceBody },
      responses: {
        200: flowResponse("The new version"),
        ...commonErrors,
        412: errorResponse("The flow changed since the If-Match version"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const flow = await c.get("services").flows.update(c.get("principal"), id, await readFlowSource(c), ifMatchVersion(c), origin(c));
      return c.json(flow, 200, { ETag: etag(flow.version) });
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/flows/{id}",
      operationId: "deleteFlow",
      tags: ["Flows"],
      summary: "Delete a flow and its versions",
      security: bearer,
      request: { params: FlowId },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      await c.get("services").flows.delete(c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  for (const [action, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/flows/{id}/${action}`,
        operationId: `${action}Flow`,
        tags: ["Flows"],
        summary: enabled ? "Switch the flow's triggers on" : "Switch all the flow's triggers off (runs already started go on)",
        description:
          "The switch pauses or resumes every trigger of the flow at once: schedules stop ticking, webhook URLs answer 409, flow triggers ignore other runs. Runs started through the API are not affected.",
        security: bearer,
        request: { params: FlowId },
        responses: { 200: { description: "The flow", content: { "application/json": { schema: FlowSummary } } }, ...commonErrors },
      }),
      async (c) => c.json(await c.get("services").flows.setEnabled(c.get("principal"), c.req.valid("param").id, enabled), 200),
    );
  }

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/flows/{id}/metadata",
      operationId: "updateFlowMetadata",
      tags: ["Flows"],
      summary: "Change tags, category, status or custom fields (custom is merged)",
      description:
        "Tags, category and status live in the flow's YAML `metadata`: changing one saves a new version whose YAML says so (honours `If-Match`). `custom` is kept outside the YAML and merged without a new version.",
      security: bearer,
      request: {
        params: FlowId,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
                  category: z.string().trim().min(1).max(100).nullable().optional(),
                  status: z
                    .string()
                    .regex(/^[a-z][a-z0-9_-]{0,31}$/, "lower-case word, e.g. draft, active, archived")
                    .optional(),
                  custom: z.record(z.string(), z.unknown()).optional(),
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: { description: "The updated flow", content: { "application/json": { schema: FlowSummary } } },
        ...commonErrors,
        412: errorResponse("The flow changed since the If-Match version"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const flow = await c.get("services").flows.patchMetadata(c.get("principal"), id, c.req.valid("json"), ifMatchVersion(c));
      return c.json(flow, 200, { ETag: etag(flow.version) });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/flows/{id}/versions",
      operationId: "listFlowVersions",
      tags: ["Flows"],
      summary: "List a flow's versions, newest first",
      security: bearer,
      request: { params: FlowId, query: PageQuery },
      responses: {
        200: {
          description: "A page of versions",
          content: { "application/json": { schema: FlowVersionPageSchema } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await c.get("services").flows.versions(c.get("principal").account_id, c.req.valid("param").id, limit, cursor);
      return c.json({ versions: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/flows/{id}/versions/{version}",
      operationId: "getFlowVersion",
      tags: ["Flows"],
      summary: "Get one version of a flow, with its content",
      security: bearer,
      request: {
        params: FlowId.extend({
          version: z.coerce
            .number()
            .int()
            .min(1)
            .openapi({ param: { name: "version", in: "path" } }),
        }),
      },
      responses: { 200: { description: "The version", content: { "application/json": { schema: FlowVersion } } }, ...commonErrors },
    }),
    async (c) => {
      const { id, version } = c.req.valid("param");
      return c.json(await c.get("services").flows.version(c.get("principal").account_id, id, version), 200);
    },
  );
}

/** Where this request reached the service: webhook trigger URLs are answered on it. */
const origin = (c: Context) => new URL(c.req.url).origin;

const etag = (version: number) => `"${version}"`;

/** The version named by If-Match (`"3"`, `W/"3"` or `3`); `*` or no header means any. */
function ifMatchVersion(c: Context): number | undefined {
  const header = c.req.header("If-Match")?.trim();
  if (!header || header === "*") return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header);
  if (!match) throw new AppError(412, "precondition_failed", 'If-Match must name a flow version, e.g. "3"');
  return Number(match[1]);
}
