/** `mcp`: calls an MCP server. */
import { z } from "zod";
import { durationParam, freeMap, scalarMap } from "../../flow/primitives";
import { defineNodeType, requiredBySelector, type ParamProblem } from "../../flow/node-types/spec";

export const MCP_OPERATIONS = ["readResource", "executeTool", "getPrompt", "listTools", "listResources", "listPrompts"] as const;
export type McpOperation = (typeof MCP_OPERATIONS)[number];

export const mcp = defineNodeType({
  type: "mcp",
  description:
    "Calls an MCP server over Streamable HTTP or SSE: executes a tool, reads a resource, gets a prompt, or lists tools, resources or prompts. Output: {result}.",
  actions: ["default"],
  params: {
    operation: z.enum(MCP_OPERATIONS).describe("readResource, executeTool, getPrompt, listTools, listResources or listPrompts"),
    connectionType: z
      .enum(["http", "sse"], { error: "must be http or sse (stdio servers, connectionType cmd, cannot run on Workers)" })
      .default("http")
      .describe("http (Streamable HTTP, default) or sse (the legacy HTTP+SSE transport)"),
    url: z.string().describe("Server URL: the MCP endpoint, or the SSE stream for sse"),
    messagesPostEndpoint: z.string().optional().describe("sse: POST messages here instead of the endpoint the server announces"),
    headers: scalarMap.optional().describe('Request headers, e.g. Authorization: "Bearer ${secrets.MCP_TOKEN}"'),
    timeout: durationParam({ positive: true })
      .prefault("30s")
      .describe("Deadline for the whole operation, connecting included (default 30s)"),
    resourceUri: z.string().optional().describe("readResource: the resource URI"),
    toolName: z.string().optional().describe("executeTool: the tool"),
    toolParameters: freeMap.optional().describe("executeTool: the tool's arguments"),
    promptName: z.string().optional().describe("getPrompt: the prompt"),
    promptArguments: freeMap.optional().describe("getPrompt: the prompt's arguments (values other than strings are sent as JSON text)"),
    cursor: z.string().optional().describe("list operations: one page from this nextCursor (default: every page)"),
  },
  crossCheck: (params): ParamProblem[] =>
    requiredBySelector(params, "operation", undefined, {
      readResource: ["resourceUri"],
      executeTool: ["toolName"],
      getPrompt: ["promptName"],
    }),
});
