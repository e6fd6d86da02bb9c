/**
 * A flow seen as a tool (by MCP clients through /api/v1/mcp, by agents): its name, what it says it
 * does, and the JSON Schema of its arguments, all read from its metadata.
 */
import type { JsonObject } from "../lib/json";
import type { FlowMetadata } from "./types";

/** Arguments of a flow that declares no input schema: any object. */
const ANY_OBJECT: JsonObject = { type: "object", additionalProperties: true };

/** Whether the flow opted in as a tool of the account's MCP server (`metadata.mcp.tool: true`). */
export const isMcpTool = (metadata: FlowMetadata): boolean => metadata.mcp?.tool === true;

/** `metadata.mcp.name`, else the flow's name in snake_case ("Order sync" → order_sync). */
export function flowToolName(metadata: FlowMetadata): string {
  if (metadata.mcp?.name) return metadata.mcp.name;
  const snake = metadata.name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  return snake === "" ? "flow" : snake;
}

/** What the tool does, for a model: `metadata.mcp.description`, else the flow's description, else its name. */
export function flowToolDescription(metadata: FlowMetadata): string {
  return metadata.mcp?.description ?? metadata.description ?? `Runs the flow "${metadata.name}"`;
}

/** `metadata.input_schema`, else a schema that takes any object. */
export function flowInputSchema(metadata: FlowMetadata): JsonObject {
  return (metadata.input_schema as JsonObject | undefined) ?? ANY_OBJECT;
}
