/** The agent's tools, from their YAML declarations (see declaration.ts). */
import { NodeError } from "../../../engine/outcome";
import type { NodeContext } from "../../types";
import { builtinTool } from "./builtin";
import { MAX_TOOLS, type ToolDeclaration } from "./declaration";
import { flowTool } from "./flow";
import { httpTool } from "./http";
import { mcpTools } from "./mcp";
import type { AgentTool } from "./tool";

export type ToolsContext = Pick<NodeContext, "http" | "signal" | "step" | "flows" | "runFlow" | "kv" | "now" | "idempotencyKey">;

/** Every declared tool, MCP servers' listed; fails when two end up with one name, or there are too many. */
export async function buildTools(ctx: ToolsContext, declarations: readonly ToolDeclaration[]): Promise<AgentTool[]> {
  const tools: AgentTool[] = [];
  for (const declaration of declarations) {
    if (declaration.flow !== undefined) tools.push(await flowTool({ ...declaration, flow: declaration.flow }, ctx));
    else if (declaration.http !== undefined) tools.push(httpTool({ ...declaration, http: declaration.http }, ctx));
    else if (declaration.mcp !== undefined) tools.push(...(await mcpTools({ ...declaration, mcp: declaration.mcp }, ctx)));
    else if (declaration.builtin !== undefined) tools.push(builtinTool(declaration.builtin, ctx, declaration.description));
  }
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new NodeError("duplicate_tool", `Two of the agent's tools are named '${tool.name}'`, null, false);
    seen.add(tool.name);
  }
  if (tools.length > MAX_TOOLS)
    throw new NodeError("too_many_tools", `The agent has ${tools.length} tools; at most ${MAX_TOOLS} can be offered`, null, false);
  return tools;
}
