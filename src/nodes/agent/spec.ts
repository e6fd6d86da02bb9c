/** `agent`: a tool-calling loop over a chat model. */
import { z } from "zod";
import { durationParam } from "../../flow/primitives";
import { defineNodeType, type ParamProblem } from "../../flow/node-types/spec";
import { connection, connectionProblems } from "../llm/spec";
import { toolDeclaration, toolProblems } from "./tools/declaration";

export const agent = defineNodeType({
  type: "agent",
  description:
    "Runs a tool-calling loop until the model answers without calling a tool (at most max_steps model calls). Tools are other flows, HTTP APIs, an MCP server's tools or built-ins; each model and tool call is kept, so a crash or an approval resumes the loop without repeating one. Output: {response, steps, intermediate_results, conversation, usage}.",
  actions: ["default"],
  params: {
    ...connection,
    prompt: z.string().min(1).describe("The task"),
    system: z.string().optional().describe("System prompt"),
    max_steps: z.number().int().min(1).max(100).default(10).describe("Model calls allowed (default 10)"),
    max_tokens: z.number().int().min(1).optional().describe("Completion token limit of each model call"),
    stream: z.boolean().optional().describe("Send the model's text to the run's watchers as it comes (default: when someone watches)"),
    tools: z.array(toolDeclaration).optional().describe("What the agent may call: [{flow}, {name, http}, {mcp}, {builtin}]"),
    require_approval: z.array(z.string().min(1)).optional().describe("Tools whose calls wait for POST .../events/approve_tool"),
    approval_timeout: durationParam({ positive: true })
      .optional()
      .describe("How long an approval may take; then the call is rejected (default: no limit)"),
    memory: z
      .strictObject({
        key: z.string().min(1).describe("Store key of the conversation"),
        max_messages: z.number().int().min(1).max(1000).default(50).describe("Messages kept (default 50)"),
        namespace: z.string().optional().describe("Store namespace (default: the account's default store)"),
      })
      .optional()
      .describe("Keep the conversation across runs in the account's store"),
  },
  crossCheck: (params): ParamProblem[] => [...connectionProblems(params), ...toolProblems(params.tools), ...approvalProblems(params)],
});

/** An approval for a tool the agent does not declare is a typo (MCP tools are only known at run time). */
function approvalProblems(params: Record<string, unknown>): ParamProblem[] {
  const { tools, require_approval: names } = params;
  if (!Array.isArray(tools) || !Array.isArray(names)) return [];
  if (tools.some((tool) => typeof tool === "object" && tool !== null && "mcp" in tool)) return [];
  const declared = new Set(
    tools.flatMap((tool: Record<string, unknown>) => [tool.name, tool.builtin].filter((n): n is string => typeof n === "string")),
  );
  const flowTools = tools.some((tool: Record<string, unknown>) => tool.flow !== undefined && tool.name === undefined);
  if (flowTools) return [];
  return names.flatMap((name, i) =>
    typeof name === "string" && !declared.has(name)
      ? [{ path: ["require_approval", i], message: `require_approval names '${name}', which is not one of the agent's tools` }]
      : [],
  );
}
