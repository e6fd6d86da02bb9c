/**
 * One model call's answer, normalized: the same JSON whether the answer came whole or streamed, and
 * whatever extra fields a provider adds (logprobs, annotations...). What `chat()` returns and the
 * `llm` node outputs.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonObject } from "../../lib/json";

export type ToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };

/** The assistant's message as it goes back into a conversation (content null when it only calls tools). */
export type AssistantMessage = { role: "assistant"; content: string | null; tool_calls?: ToolCall[]; refusal?: string };

export type Choice = { index: number; message: AssistantMessage; finish_reason: string | null };

export type TokenUsage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

export type ChatResult = {
  id: string;
  model: string;
  /** The first choice's text; null when it only calls tools (or refused). */
  content: string | null;
  /** The first choice's message, ready to append to the conversation. */
  message: AssistantMessage;
  finish_reason: string | null;
  has_tool_calls: boolean;
  tool_calls: ToolCall[];
  choices: Choice[];
  /** As the provider counted; null when it did not say. */
  usage: TokenUsage | null;
};

/** A choice as the provider sent it, whole or put together from a stream. */
export interface RawChoice {
  index: number;
  content: string | null;
  refusal: string | null;
  tool_calls: ToolCall[];
  finish_reason: string | null;
}

export function chatResult(id: string, model: string, raw: RawChoice[], usage: TokenUsage | null): ChatResult {
  const choices = [...raw].sort((a, b) => a.index - b.index).map(toChoice);
  const first = choices[0];
  if (!first) throw new NodeError("llm_invalid_response", "The model answered with no choices");
  const toolCalls = first.message.tool_calls ?? [];
  return {
    id,
    model,
    content: first.message.content,
    message: first.message,
    finish_reason: first.finish_reason,
    has_tool_calls: toolCalls.length > 0,
    tool_calls: toolCalls,
    choices,
    usage,
  };
}

function toChoice(raw: RawChoice): Choice {
  const message: AssistantMessage = { role: "assistant", content: raw.content };
  if (raw.tool_calls.length) message.tool_calls = raw.tool_calls;
  if (raw.refusal !== null) message.refusal = raw.refusal;
  return { index: raw.index, message, finish_reason: raw.finish_reason };
}

/** The three counters of a provider's usage, or null when it sent none. */
export function tokenUsage(usage: unknown): TokenUsage | null {
  if (typeof usage !== "object" || usage === null) return null;
  const u = usage as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: count(u.total_tokens) || prompt + completion };
}

/** Tool calls of a whole answer's message, keeping only function calls. */
export function toolCallsOf(message: JsonObject): ToolCall[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  return calls.flatMap((call) => {
    if (typeof call !== "object" || call === null || Array.isArray(call)) return [];
    const fn = call.function;
    if (typeof fn !== "object" || fn === null || Array.isArray(fn) || typeof fn.name !== "string") return [];
    const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    return [{ id: String(call.id ?? ""), type: "function" as const, function: { name: fn.name, arguments: args } }];
  });
}
