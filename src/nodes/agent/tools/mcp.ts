/**
 * An `mcp` tool declaration: every tool of an MCP server (or those in `include`), listed once per
 * visit of the node (a sub-step, so a replay offers the model the same tools) and each call in a
 * session of its own (src/nodes/mcp/client.ts).
 */
import { NodeError } from "../../../engine/outcome";
import { type JsonObject, type JsonValue } from "../../../lib/json";
import { toolResultText, withMcpSession, type McpSessionOptions } from "../../mcp/client";
import type { NodeContext } from "../../types";
import type { ToolDeclaration } from "./declaration";
import { ANY_OBJECT, type AgentTool } from "./tool";

const DEFAULT_TIMEOUT_MS = 30_000;

export type McpToolContext = Pick<NodeContext, "http" | "signal" | "step">;

type Listed = { name: string; description: string; parameters: JsonObject };

export async function mcpTools(
  declaration: ToolDeclaration & { mcp: NonNullable<ToolDeclaration["mcp"]> },
  ctx: McpToolContext,
): Promise<AgentTool[]> {
  const { mcp } = declaration;
  const session: McpSessionOptions = {
    url: mcp.url,
    transport: mcp.transport,
    headers: Object.fromEntries(Object.entries(mcp.headers ?? {}).map(([name, value]) => [name, String(value)])),
    timeoutMs: mcp.timeout ?? DEFAULT_TIMEOUT_MS,
    signal: ctx.signal,
    http: ctx.http,
  };
  const listed = (await ctx.step(`mcp-tools:${mcp.url}`, () =>
    withMcpSession(session, async (open) =>
      (await open.listTools()).map((tool): Listed => ({
        name: tool.name,
        description: tool.description ?? "",
        parameters: tool.inputSchema ?? ANY_OBJECT,
      })),
    ),
  )) as Listed[];
  const include = declaration.include;
  if (include) {
    const missing = include.filter((name) => !listed.some((tool) => tool.name === name));
    if (missing.length)
      throw new NodeError("mcp_tool_not_found", `The MCP server ${new URL(mcp.url).origin} has no tool ${missing.join(", ")}`, null, false);
  }
  return listed
    .filter((tool) => include === undefined || include.includes(tool.name))
    .map((tool) => ({
      ...tool,
      call: async (args: JsonObject): Promise<JsonValue> => {
        const result = await withMcpSession(session, (open) => open.callTool(tool.name, args));
        if (result.isError) throw new NodeError("mcp_tool_error", toolResultText(result) || "The tool failed", null, false);
        return result.structuredContent ?? toolResultText(result);
      },
    }));
}
