/** `mcp`: calls an MCP server. */
import { z } from "zod";
import { durationParam, freeMap, scalarMap } from "../../flow/primitives";
import { defineNodeType, requiredBySelector, type ParamProblem } from "../../flow/node-types/spec";

export const MCP_OPERATIONS = ["readResource", "executeTool", "getPrompt"] as const;

export const mcp = defineNodeType({
  type: "mcp",
  notRunnable: "MCP clients are not available on this server yet",
  description: "Calls an MCP server over HTTP or SSE: reads a resource, executes a tool or gets a prompt. Output: {result}.",
  actions: ["default"],
  params: {
    operation: z.enum(MCP_OPERATIONS).describe("readResource, executeTool or getPrompt"),
    connectionType: z
      .enum(["http", "sse"], { error: "must be http or sse (stdio servers, connectionType cmd, cannot run on Workers)" })
      .optional()
      .describe("Transport (default http)"),
    url: z.string().describe("Server URL"),
    messagesPostEndpoint: z.string().optional().describe("sse: endpoint for client messages"),
    headers: scalarMap.optional().describe("Request headers, e.g. Authorization"),
    timeout: durationParam({ positive: true }).optional().describe("Request timeout (a number is seconds)"),
    resourceUri: z.string().optional().describe("readResource: the resource URI"),
    toolName: z.string().optional().describe("executeTool: the tool"),
    toolParameters: freeMap.optional().describe("executeTool: the tool's arguments"),
    promptName: z.string().optional().describe("getPrompt: the prompt"),
    promptArguments: freeMap.optional().describe("getPrompt: the prompt's arguments"),
  },
  crossCheck: (params): ParamProblem[] =>
    requiredBySelector(params, "operation", undefined, {
      readResource: ["resourceUri"],
      executeTool: ["toolName"],
      getPrompt: ["promptName"],
    }),
});
