/** A `flow` tool: another flow of the account, run as a child execution with the arguments as its input. */
import { NodeError } from "../../../engine/outcome";
import type { JsonObject } from "../../../lib/json";
import type { NodeContext } from "../../types";
import type { ToolDeclaration } from "./declaration";
import type { AgentTool } from "./tool";

export type FlowToolContext = Pick<NodeContext, "flows" | "runFlow" | "step">;

export async function flowTool(declaration: ToolDeclaration & { flow: string }, ctx: FlowToolContext): Promise<AgentTool> {
  // Kept for the visit, like an MCP server's tool list: a loop resumed after a crash or an approval
  // offers and calls the flows it started with, even if one was renamed meanwhile.
  const found = await ctx.step(`flow-tool:${declaration.flow}`, async () => {
    const flow = await ctx.flows.find(declaration.flow);
    return flow === null ? null : { ...flow };
  });
  if (!found) throw new NodeError("flow_not_found", `The agent's tool flow '${declaration.flow}' is not in this account`, null, false);
  const version = declaration.version;
  return {
    name: declaration.name ?? found.toolName,
    description: declaration.description ?? found.description,
    parameters: (declaration.parameters as JsonObject | undefined) ?? found.inputSchema,
    call: (args) => ctx.runFlow(found.id, args, version === undefined ? {} : { version }),
    memoized: true,
  };
}
