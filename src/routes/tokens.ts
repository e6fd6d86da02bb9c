import type { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { requireAuth } from "../http/auth";
import { ApiTokenPageSchema, CreatedApiTokenSchema as CreatedToken } from "../services/token-schemas";
import { bearer, commonErrors, IdParam, PageQuery } from "./schemas";

export function tokenRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/tokens", requireAuth);
  app.use("/api/v1/tokens/*", requireAuth);

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/tokens",
      operationId: "createToken",
      tags: ["API tokens"],
      summary: "Create an API token",
      security: bearer,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({
                name: z.string().trim().min(1).max(100).openapi({ example: "ci" }),
                expires_in_days: z.number().int().min(1).max(3650).optional(),
              }),
            },
          },
        },
      },
      responses: {
        201: { description: "Created; the token value is shown once", content: { "application/json": { schema: CreatedToken } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { name, expires_in_days } = c.req.valid("json");
      return c.json(await c.get("services").tokens.create(c.get("principal"), name, expires_in_days), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tokens",
      operationId: "listTokens",
      tags: ["API tokens"],
      summary: "List API tokens (never their values)",
      security: bearer,
      request: { query: PageQuery },
      responses: {
        200: {
          description: "A page of tokens",
          content: { "application/json": { schema: ApiTokenPageSchema } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await c.get("services").tokens.list(c.get("principal").account_id, limit, cursor);
      return c.json({ tokens: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/tokens/{id}",
      operationId: "revokeToken",
      tags: ["API tokens"],
      summary: "Revoke an API token; it stops working at once",
      security: bearer,
      request: { params: IdParam("Token id", "tok_0123456789abcdefghijklmno") },
      responses: { 204: { description: "Revoked" }, ...commonErrors },
    }),
    async (c) => {
      await c.get("services").tokens.revoke(c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
}
