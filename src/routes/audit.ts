import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { AuditEventPageSchema } from "../services/audit-schemas";
import { AUDIT_ACTIONS } from "../services/audit";
import { bearer, commonErrors, isoTime, PageQuery, TimeQuery } from "./schemas";

const AuditQuery = PageQuery.extend({
  action: z.enum(AUDIT_ACTIONS).optional(),
  since: TimeQuery("Only events at or after this time"),
  until: TimeQuery("Only events before this time"),
});

export function auditRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/audit", requireAuth);

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/audit",
      operationId: "listAuditEvents",
      tags: ["Audit"],
      summary: "The account's security audit log, newest first",
      description:
        "Logins (successful and failed), API tokens created and revoked, flows created, updated and deleted, runs started, secrets created, updated and deleted.",
      security: bearer,
      request: { query: AuditQuery },
      responses: {
        200: {
          description: "A page of audit events",
          content: { "application/json": { schema: AuditEventPageSchema } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor, action, since, until } = c.req.valid("query");
      const page = await c
        .get("services")
        .audit.list(c.get("principal").account_id, { action, since: isoTime(since), until: isoTime(until) }, limit, cursor);
      return c.json({ events: page.items, next_cursor: page.next_cursor }, 200);
    },
  );
}
