/**
 * A tool as the agent's loop sees it: what the model is told (name, description, JSON Schema of the
 * arguments) and how a call runs. A call answers JSON for the model, or throws: a NodeError's message
 * goes back to the model as the tool's error (the model may try again), unless the error is fatal.
 */
import type { JsonObject, JsonValue } from "../../../lib/json";

export interface AgentTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: JsonObject;
  call(args: JsonObject): Promise<JsonValue>;
}

/** The schema of a tool that takes no arguments, or whose arguments are not described. */
export const ANY_OBJECT: JsonObject = { type: "object", properties: {} };

/** OpenAI's `tools` entry for a tool. */
export function toolFunction(tool: AgentTool): JsonObject {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}
