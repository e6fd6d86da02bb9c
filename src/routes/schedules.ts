import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { StartedExecutionSchema } from "../services/execution-schemas";
import { SchedulePageSchema, ScheduleSchema } from "../services/schedule-schemas";
import { bearer, commonErrors, errorResponse, IdParam, PageQuery } from "./schemas";

const ScheduleId = IdParam("Schedule id: the cron trigger's id", "trg_0123456789abcdefghijklmno");
const scheduleJson = (description: string) => ({ description, content: { "application/json": { schema: ScheduleSchema } } });

export function scheduleRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/schedules", requireAuth);
  app.use("/api/v1/schedules/*", requireAuth);

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/schedules",
      operationId: "listSchedules",
      tags: ["Schedules"],
      summary: "List the account's schedules (cron triggers), with their next fire time and recent ticks",
      security: bearer,
      request: { query: PageQuery.extend({ flow_id: z.string().min(1).max(64).optional().openapi({ description: "Only this flow's" }) }) },
      responses: {
        200: { description: "A page of schedules, by id", content: { "application/json": { schema: SchedulePageSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor, flow_id } = c.req.valid("query");
      const page = await c.get("services").schedules.list(c.get("principal").account_id, { flow_id }, limit, cursor);
      return c.json({ schedules: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/schedules/{id}",
      operationId: "getSchedule",
      tags: ["Schedules"],
      summary: "Get a schedule",
      security: bearer,
      request: { params: ScheduleId },
      responses: { 200: scheduleJson("The schedule"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").schedules.get(c.get("principal").account_id, c.req.valid("param").id), 200),
  );

  for (const [action, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/schedules/{id}/${action}`,
        operationId: `${action}Schedule`,
        tags: ["Schedules"],
        summary: paused ? "Pause a schedule: its ticks start nothing until it is resumed" : "Resume a paused schedule",
        description: paused
          ? "Kept across flow versions. Runs already started go on."
          : "It ticks again from now on; ticks that came due while it was paused are not caught up.",
        security: bearer,
        request: { params: ScheduleId },
        responses: { 200: scheduleJson("The schedule"), ...commonErrors },
      }),
      async (c) => c.json(await c.get("services").schedules.setPaused(c.get("principal"), c.req.valid("param").id, paused), 200),
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/schedules/{id}/run",
      operationId: "runSchedule",
      tags: ["Schedules"],
      summary: "Run now: start one run as a tick would, with a new execution id",
      description:
        "The run records `cron:<id>` as its trigger and the schedule's input as its input. A paused schedule can be run now; a schedule whose flow is switched off, or that is declared `enabled: false`, answers 409.",
      security: bearer,
      request: { params: ScheduleId },
      responses: {
        201: { description: "Started", content: { "application/json": { schema: StartedExecutionSchema } } },
        ...commonErrors,
        409: errorResponse("The flow is switched off, the trigger is declared enabled: false, or the flow is no longer valid"),
      },
    }),
    async (c) => {
      const execution = await c.get("services").schedules.runNow(c.get("principal"), c.req.valid("param").id);
      return c.json({ execution_id: execution.id, ...execution }, 201, { Location: `/api/v1/executions/${execution.id}` });
    },
  );
}
