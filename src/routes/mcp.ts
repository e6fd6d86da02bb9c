import type { OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";

/**
 * `/api/v1/mcp`: the account's flows as MCP tools over Streamable HTTP (src/services/mcp-server.ts).
 * JSON-RPC rather than REST, so it stays out of the OpenAPI document; docs/api.md describes it. The
 * server keeps no sessions, so only POST is served: GET (a stream for server-initiated messages) and
 * DELETE (ending a session) answer 405, as the MCP specification allows.
 */
export function mcpRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/mcp", requireAuth);
  app.post("/api/v1/mcp", async (c) => {
    const text = await c.req.text();
    const body: unknown = text.trim() === "" ? undefined : JSON.parse(text);
    return c.get("services").mcp.handle(c.get("principal"), c.req.raw, body);
  });
}
