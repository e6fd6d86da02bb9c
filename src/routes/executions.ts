import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { offersSocketProtocol, prefetchedFlow, requireAuth, SOCKET_PROTOCOL } from "../http/auth";
import { readOptionalJson } from "../http/body";
import type { AppEnv } from "../http/context";
import { badRequest } from "../errors";
import { EXECUTION_STATUSES, RUN_TRIGGER_TYPES } from "../engine/types";
import {
  EventDeliverySchema,
  ExecutionPageSchema,
  ExecutionSchema as Execution,
  StartedExecutionSchema,
  Json,
  LogListSchema,
  StepListSchema,
} from "../services/execution-schemas";
import { MAX_WAIT_SECONDS } from "../services/runs";
import { SocketServerMessageSchema } from "../services/socket-schemas";
import type { JsonValue } from "../lib/json";
import { bearer, commonErrors, errorResponse, IdParam, isoTime, PageQuery, TimeQuery } from "./schemas";

const ExecId = IdParam("Execution id", "exe_0123456789abcdefghijklmno");
const WaitQuery = z.object({
  wait: z.coerce
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .openapi({ description: `Seconds to wait for the run to finish (max ${MAX_WAIT_SECONDS})` }),
});
const executionJson = (description: string) => ({ description, content: { "application/json": { schema: Execution } } });
const startedJson = (description: string) => ({ description, content: { "application/json": { schema: StartedExecutionSchema } } });
const CursorQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: "Only entries with seq greater than this" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  node_id: z.string().max(200).optional(),
});
const optionalJsonBody = (schema: z.ZodType) => ({ required: false, content: { "application/json": { schema } } });

export function executionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/executions", requireAuth);
  app.use("/api/v1/executions/*", requireAuth);

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/flows/{id}/run",
      operationId: "runFlow",
      tags: ["Executions"],
      summary: "Start a run of the flow's current version",
      description:
        "Answers once the execution object has durably accepted the run. `Idempotency-Key` makes repeats return the same execution (200). `?wait=N` answers when the run finishes, or after N seconds with its status then.",
      security: bearer,
      request: {
        params: IdParam("Flow id", "flw_0123456789abcdefghijklmno"),
        query: WaitQuery,
        headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }),
        body: optionalJsonBody(z.object({ input: Json }).partial()),
      },
      responses: { 201: startedJson("Started"), 200: startedJson("An earlier run with the same Idempotency-Key"), ...commonErrors },
    }),
    async (c) => {
      const body = (await readOptionalJson(c)) as { input?: JsonValue };
      const { wait } = c.req.valid("query");
      const { id } = c.req.valid("param");
      const options = {
        input: body.input ?? {},
        idempotencyKey: c.req.header("Idempotency-Key"),
        waitMs: (wait ?? 0) * 1000,
        trigger: "api",
      };
      const result = await c.get("services").runs.run(c.get("principal"), id, options, prefetchedFlow(c, id));
      return c.json({ execution_id: result.execution.id, ...result.execution }, result.created ? 201 : 200, {
        Location: `/api/v1/executions/${result.execution.id}`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/executions",
      operationId: "listExecutions",
      tags: ["Executions"],
      summary: "List executions, newest first",
      security: bearer,
      request: {
        query: PageQuery.extend({
          flow_id: z.string().max(64).optional(),
          status: z.enum(EXECUTION_STATUSES).optional(),
          trigger_type: z.enum(RUN_TRIGGER_TYPES).optional().openapi({
            description:
              "What started the runs: api, cron, webhook, flow (another flow's run ended), email, subflow, rerun, mcp (a call through /api/v1/mcp)",
          }),
          trigger_id: z.string().max(64).optional().openapi({ description: "Runs started by one trigger (trg_…)" }),
          since: TimeQuery("Only runs created at or after this time"),
          until: TimeQuery("Only runs created before this time"),
        }),
      },
      responses: {
        200: {
          description: "A page of execution summaries",
          content: {
            "application/json": { schema: ExecutionPageSchema },
          },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor, flow_id, status, trigger_type, trigger_id, since, until } = c.req.valid("query");
      const filter = { flow_id, status, trigger_type, trigger_id, since: isoTime(since), until: isoTime(until) };
      const page = await c.get("services").runs.list(c.get("principal").account_id, filter, limit, cursor);
      return c.json({ executions: page.items.map(({ account_id: _a, ...rest }) => rest), next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/executions/{id}",
      operationId: "getExecution",
      tags: ["Executions"],
      summary: "An execution's status, current nodes, output and error",
      security: bearer,
      request: { params: ExecId, query: WaitQuery },
      responses: { 200: executionJson("The execution"), ...commonErrors },
    }),
    async (c) => {
      const { wait } = c.req.valid("query");
      return c.json(await c.get("services").runs.get(c.get("principal").account_id, c.req.valid("param").id, (wait ?? 0) * 1000), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/executions/{id}/steps",
      operationId: "listExecutionSteps",
      tags: ["Executions"],
      summary: "Step records: node, attempt, status, timings, input and output (previews unless full=true)",
      security: bearer,
      request: { params: ExecId, query: CursorQuery.extend({ full: z.enum(["true", "false"]).optional() }) },
      responses: {
        200: { description: "Steps in order", content: { "application/json": { schema: StepListSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { after, limit, node_id, full } = c.req.valid("query");
      const steps = await c.get("services").runs.steps(c.get("principal").account_id, c.req.valid("param").id, {
        after,
        limit,
        full: full === "true",
        ...(node_id ? { node_id } : {}),
      });
      return c.json({ steps }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/executions/{id}/logs",
      operationId: "listExecutionLogs",
      tags: ["Executions"],
      summary: "Structured log lines of the run",
      security: bearer,
      request: { params: ExecId, query: CursorQuery.extend({ level: z.enum(["debug", "info", "warn", "error"]).optional() }) },
      responses: {
        200: { description: "Log lines in order", content: { "application/json": { schema: LogListSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { after, limit, node_id, level } = c.req.valid("query");
      const logs = await c.get("services").runs.logs(c.get("principal").account_id, c.req.valid("param").id, {
        after,
        limit,
        ...(node_id ? { node_id } : {}),
        ...(level ? { level } : {}),
      });
      return c.json({ logs }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/executions/{id}",
      operationId: "cancelExecution",
      tags: ["Executions"],
      summary: "Cancel a run; waits are interrupted and `cancelled` is final",
      security: bearer,
      request: { params: ExecId },
      responses: { 200: executionJson("The execution after cancelling"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").runs.cancel(c.get("principal").account_id, c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/executions/{id}/events/{name}",
      operationId: "sendExecutionEvent",
      tags: ["Executions"],
      summary: "Send a named event; resumes nodes waiting for it (kept for the first that will, otherwise)",
      security: bearer,
      request: {
        params: ExecId.extend({
          name: z
            .string()
            .min(1)
            .max(200)
            .openapi({ param: { name: "name", in: "path" } }),
        }),
        body: optionalJsonBody(Json),
      },
      responses: {
        202: {
          description: "Accepted",
          content: { "application/json": { schema: EventDeliverySchema } },
        },
        ...commonErrors,
        409: errorResponse("The execution has finished"),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const payload = (await readOptionalJson(c, null)) as JsonValue;
      return c.json(await c.get("services").runs.sendEvent(c.get("principal").account_id, id, name, payload), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/executions/{id}/rerun",
      operationId: "rerunExecution",
      tags: ["Executions"],
      summary: "Start a new execution from a node, reusing the recorded outputs of the steps before it",
      security: bearer,
      request: {
        params: ExecId,
        query: WaitQuery,
        body: optionalJsonBody(z.object({ from_node: z.string().min(1).max(200).optional(), input: Json.optional() }).strict()),
      },
      responses: { 201: startedJson("The new execution"), ...commonErrors },
    }),
    async (c) => {
      const body = (await readOptionalJson(c)) as { from_node?: string; input?: JsonValue };
      const { wait } = c.req.valid("query");
      const result = await c
        .get("services")
        .runs.rerun(c.get("principal"), c.req.valid("param").id, body.from_node, body.input, (wait ?? 0) * 1000);
      return c.json({ execution_id: result.execution.id, ...result.execution }, 201, {
        Location: `/api/v1/executions/${result.execution.id}`,
      });
    },
  );

  // Served by a plain handler (an upgrade is no JSON route); described here for the document.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/api/v1/executions/{id}/ws",
    operationId: "watchExecution",
    tags: ["Executions"],
    summary: "Watch a run live over a WebSocket: a snapshot, the recorded events from a cursor, then live events",
    description: [
      "Connect with `Upgrade: websocket` and the usual credentials. Browsers, which cannot set headers on a WebSocket,",
      `offer the subprotocols \`${SOCKET_PROTOCOL}\` and \`bearer.<token>\` instead (the answer selects \`${SOCKET_PROTOCOL}\`), or pass \`?access_token=\`.`,
      "The server sends a `snapshot`, then every recorded `event` with seq greater than `after`, then `replayed`, then live `event` and `ephemeral` messages.",
      'The client may send `{"type": "ping"}` (answered with `pong`) or the bare text `ping` (answered with the bare text `pong`).',
    ].join(" "),
    security: bearer,
    request: {
      params: ExecId,
      query: z.object({
        after: z.coerce
          .number()
          .int()
          .min(0)
          .optional()
          .openapi({ description: "Replay only events with seq greater than this (default 0: all)" }),
        access_token: z
          .string()
          .optional()
          .openapi({ description: "A bearer token, for clients that can set neither headers nor subprotocols" }),
      }),
      headers: z.object({
        upgrade: z.literal("websocket"),
        "sec-websocket-protocol": z
          .string()
          .optional()
          .openapi({ example: `${SOCKET_PROTOCOL}, bearer.frt_...` }),
      }),
    },
    responses: {
      101: {
        description: "Switching to the WebSocket; each message the server sends is one of these, as JSON text",
        content: { "application/json": { schema: SocketServerMessageSchema } },
      },
      ...commonErrors,
    },
  });
  app.get("/api/v1/executions/:id/ws", async (c) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") throw badRequest("This endpoint speaks WebSocket; send Upgrade: websocket");
    const id = c.req.param("id");
    await c.get("services").runs.requireSummary(c.get("principal").account_id, id);
    const forwarded = new Request(c.req.raw, { headers: new Headers(c.req.raw.headers) });
    forwarded.headers.set("X-Account-Id", c.get("principal").account_id);
    // The token offered as a subprotocol has done its work; it goes no further than here.
    forwarded.headers.delete("Sec-WebSocket-Protocol");
    const answer = await c.get("services").runs.connect(id, forwarded);
    if (answer.status !== 101 || !offersSocketProtocol(c.req.header("Sec-WebSocket-Protocol"))) return answer;
    const headers = new Headers(answer.headers);
    headers.set("Sec-WebSocket-Protocol", SOCKET_PROTOCOL);
    return new Response(null, { status: 101, webSocket: answer.webSocket, headers });
  });
}
