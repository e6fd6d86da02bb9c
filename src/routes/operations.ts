import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { BulkRequestSchema, OperationPageSchema, OperationSchema, type OperationAction } from "../services/operation-schemas";
import { bearer, commonErrors, IdParam, PageQuery } from "./schemas";

const OperationId = IdParam("Operation id", "opr_0123456789abcdefghijklmno");
const operationJson = (description: string) => ({ description, content: { "application/json": { schema: OperationSchema } } });

const BULK_ACTIONS: { action: OperationAction; operationId: string; summary: string; description: string }[] = [
  {
    action: "cancel",
    operationId: "bulkCancelExecutions",
    summary: "Cancel every running or waiting execution a filter matches, as a tracked operation",
    description:
      "Answers at once with the operation (202); follow it at `Location`. Only runs created before the operation started are included. `filter.status`, if given, must be running or waiting.",
  },
  {
    action: "rerun",
    operationId: "bulkRerunExecutions",
    summary: "Re-run every finished execution a filter matches, as a tracked operation",
    description:
      "Each matched run is run again from the start with its recorded input and flow version, as `POST /api/v1/executions/{id}/rerun` does. Only runs created before the operation started are included (so its own re-runs never are). `filter.status`, if given, must be completed, failed or cancelled.",
  },
];

export function operationRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/operations", requireAuth);
  app.use("/api/v1/operations/*", requireAuth);

  for (const { action, operationId, summary, description } of BULK_ACTIONS) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/executions/bulk-${action}`,
        operationId,
        tags: ["Operations"],
        summary,
        description,
        security: bearer,
        request: { body: { required: true, content: { "application/json": { schema: BulkRequestSchema } } } },
        responses: { 202: operationJson("The operation, started"), ...commonErrors },
      }),
      async (c) => {
        const operation = await c.get("services").operations.create(c.get("principal"), action, c.req.valid("json").filter);
        return c.json(operation, 202, { Location: `/api/v1/operations/${operation.id}` });
      },
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/operations",
      operationId: "listOperations",
      tags: ["Operations"],
      summary: "The account's bulk operations, newest first",
      security: bearer,
      request: { query: PageQuery },
      responses: {
        200: { description: "A page of operations", content: { "application/json": { schema: OperationPageSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await c.get("services").operations.list(c.get("principal").account_id, limit, cursor);
      return c.json({ operations: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/operations/{id}",
      operationId: "getOperation",
      tags: ["Operations"],
      summary: "A bulk operation's status and progress",
      security: bearer,
      request: { params: OperationId },
      responses: { 200: operationJson("The operation"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").operations.get(c.get("principal").account_id, c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/operations/{id}/cancel",
      operationId: "cancelOperation",
      tags: ["Operations"],
      summary: "Stop a bulk operation; runs already acted on stay as they are, and an ended operation is answered as it is",
      security: bearer,
      request: { params: OperationId },
      responses: { 200: operationJson("The operation after stopping"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").operations.cancel(c.get("principal").account_id, c.req.valid("param").id), 200),
  );
}
