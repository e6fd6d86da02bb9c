/**
 * The agent's loop: ask the model, run the tools it calls, give it their results, until it answers
 * without calling a tool (or `max_steps` model calls were made). Every model call and every tool call
 * is a sub-step (`ctx.step`), so a run that crashes, or pauses for an approval, goes on from where it
 * was without calling the model or a tool again for what was already done.
 */
import { NodeError } from "../../engine/outcome";
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import { chat, type ChatConnection, type ChatContext, type ChatResult, type ToolCall } from "../llm/chat";
import type { NodeContext } from "../types";
import { approval, type ApprovalOptions } from "./approval";
import { toolFunction, type AgentTool, type ToolCallInfo } from "./tools/tool";

export type LoopContext = ChatContext & Pick<NodeContext, "step" | "waitForEvent">;

export interface LoopRequest {
  connection: ChatConnection;
  /** The conversation so far: system prompt, remembered messages, the task. */
  messages: JsonObject[];
  tools: AgentTool[];
  maxSteps: number;
  maxTokens?: number | undefined;
  stream?: boolean | undefined;
  approvals: ApprovalOptions;
}

export interface ToolRecord {
  step: number;
  tool: string;
  arguments: JsonValue;
  result: JsonValue;
  error: string | null;
}

export interface LoopResult {
  response: string;
  /** Model calls made. */
  steps: number;
  intermediate_results: ToolRecord[];
  conversation: JsonObject[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** What a tool call's sub-step keeps: its result, or the error the model is told about. */
type ToolOutcome = { ok: true; result: JsonValue } | { ok: false; error: string };

export async function runLoop(ctx: LoopContext, request: LoopRequest): Promise<LoopResult> {
  const byName = new Map(request.tools.map((tool) => [tool.name, tool]));
  const offered = request.tools.map(toolFunction);
  const messages = [...request.messages];
  const records: ToolRecord[] = [];
  const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (let step = 1; step <= request.maxSteps; step++) {
    const answer = await ctx.step("model", () => modelCall(ctx, request, messages, offered));
    for (const key of Object.keys(usage) as (keyof typeof usage)[]) usage[key] += answer.usage?.[key] ?? 0;
    messages.push(answer.message as unknown as JsonObject);
    if (answer.tool_calls.length === 0) {
      return { response: answer.content ?? "", steps: step, intermediate_results: records, conversation: messages, usage };
    }
    for (const call of answer.tool_calls) {
      const record = await toolCall(ctx, step, call, byName.get(call.function.name), request.approvals);
      records.push(record);
      messages.push({ role: "tool", tool_call_id: call.id, content: toolMessage(record) });
    }
  }
  throw new NodeError(
    "agent_max_steps",
    `The agent still called tools after ${request.maxSteps} model calls (max_steps)`,
    { steps: request.maxSteps, intermediate_results: records as unknown as JsonValue, usage },
    false,
  );
}

async function modelCall(
  ctx: LoopContext,
  request: LoopRequest,
  messages: JsonObject[],
  tools: JsonObject[],
): Promise<ChatResult & JsonObject> {
  const answer = await chat(
    ctx,
    request.connection,
    { messages, ...(tools.length ? { tools } : {}), ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }) },
    { stream: request.stream, event: "agent.delta" },
  );
  return answer as ChatResult & JsonObject;
}

async function toolCall(
  ctx: LoopContext,
  step: number,
  call: ToolCall,
  tool: AgentTool | undefined,
  approvals: ApprovalOptions,
): Promise<ToolRecord> {
  const name = call.function.name;
  const parsed = parseArguments(call.function.arguments);
  const base = { step, tool: name, arguments: parsed.ok ? parsed.args : call.function.arguments };
  ctx.emit("agent.tool_call", { ...base, call_id: call.id });
  let outcome: ToolOutcome;
  if (!tool) outcome = { ok: false, error: `There is no tool named '${name}'` };
  else if (!parsed.ok) outcome = { ok: false, error: parsed.error };
  else {
    const decision = await approval(ctx, approvals, { tool: name, call_id: call.id, step, arguments: parsed.args });
    if (decision.approved) {
      base.arguments = decision.arguments;
      const info = { step, callId: call.id };
      outcome = tool.memoized
        ? await runTool(tool, decision.arguments, info)
        : await ctx.step(`tool:${name}`, () => runTool(tool, decision.arguments, info));
    } else outcome = { ok: false, error: decision.reason };
  }
  const record: ToolRecord = { ...base, result: outcome.ok ? outcome.result : null, error: outcome.ok ? null : outcome.error };
  ctx.emit("agent.tool_result", { ...record, call_id: call.id });
  ctx.log(record.error === null ? "info" : "warn", `tool ${name}${record.error === null ? "" : `: ${record.error}`}`, { step, tool: name });
  return record;
}

/** Runs the tool; a failure the model can act on becomes its error. A cancelled run stays cancelled. */
async function runTool(tool: AgentTool, args: JsonObject, info: ToolCallInfo): Promise<ToolOutcome> {
  try {
    return { ok: true, result: await tool.call(args, info) };
  } catch (error) {
    if (error instanceof NodeError && error.code === "cancelled") throw error;
    if (!(error instanceof Error)) throw error;
    return { ok: false, error: error.message };
  }
}

function parseArguments(text: string): { ok: true; args: JsonObject } | { ok: false; error: string } {
  try {
    const value = JSON.parse(text === "" ? "{}" : text) as JsonValue;
    if (isRecord(value)) return { ok: true, args: value };
  } catch {
    // Reported below, as for any other shape.
  }
  return { ok: false, error: "The arguments are not a JSON object" };
}

/** The tool message's content: the result as JSON text (a string as it is), or the error. */
function toolMessage(record: ToolRecord): string {
  if (record.error !== null) return JSON.stringify({ error: record.error });
  return typeof record.result === "string" ? record.result : JSON.stringify(record.result);
}
