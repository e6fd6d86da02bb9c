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
  call(args: JsonObject, call: ToolCallInfo): Promise<JsonValue>;
  /**
   * The call keeps its own result across replays (a flow tool: `ctx.runFlow` is a sub-step), so the
   * loop must not wrap it in another: sub-steps are counted by name, and one nested in a kept
   * sub-step would be skipped on a replay, shifting the count of the next.
   */
  memoized?: boolean;
}

/** Which call this is: the same when a replay makes it again, so a write can be deduplicated by it. */
export interface ToolCallInfo {
  /** The model call that asked for it (1 for the first). */
  step: number;
  /** The model's id of the tool call. */
  callId: string;
}

/** A request id for a write a tool call makes (see KeyValueWriteOptions.requestId). */
export const callRequestId = (idempotencyKey: string, call: ToolCallInfo) => `${idempotencyKey}:agent-${call.step}:${call.callId}`;

/** The schema of a tool that takes no arguments, or whose arguments are not described. */
export const ANY_OBJECT: JsonObject = { type: "object", properties: {} };

/** OpenAI's `tools` entry for a tool. */
export function toolFunction(tool: AgentTool): JsonObject {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}
