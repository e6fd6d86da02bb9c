/**
 * One model round trip, for every node type that talks to a chat model (`llm`, `agent`): the request
 * to any OpenAI-compatible API through the `openai` SDK, its HTTP through `ctx.http`, token deltas
 * streamed to the run's watchers when asked, usage reported to the step (`ctx.addUsage`), and every
 * failure a NodeError without the API key. The answer is JSON (memoizable with `ctx.step`), the same
 * whether it was streamed or not.
 *
 * @example
 * const answer = await chat(ctx, ctx.params, { messages: [{ role: "user", content: "Hi" }] });
 * answer.content; answer.tool_calls; answer.usage;
 */
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import type { NodeContext } from "../types";
import { resolveTarget } from "./provider";
import { chatResult, tokenUsage, toolCallsOf, type ChatResult } from "./result";
import { ChunkAccumulator, DeltaPacer } from "./stream";
import { openModelCall, type ModelCall } from "./transport";

export type { AssistantMessage, ChatResult, Choice, TokenUsage, ToolCall } from "./result";

/** What a model call needs of the node's context. */
export type ChatContext = Pick<NodeContext, "http" | "signal" | "emit" | "watched" | "addUsage" | "log" | "now">;

/** How to reach the model: the `connection` params of src/nodes/llm/spec.ts, as resolved (`timeout` in ms). */
export interface ChatConnection {
  provider?: string | undefined;
  api_key: string;
  model: string;
  base_url?: string | undefined;
  temperature?: number | undefined;
  /** Merged into the request body, except `base_url` and `endpoint`, which choose the server. */
  options?: JsonObject | undefined;
  timeout: number;
  max_retries: number;
}

/** What to ask: OpenAI's chat completion fields (messages and tools in OpenAI's JSON format). */
export interface ChatRequest {
  messages: JsonObject[];
  tools?: JsonObject[] | undefined;
  /** auto, none, required, a tool's name, or {type: function, function: {name}}. */
  tool_choice?: JsonValue | undefined;
  functions?: JsonObject[] | undefined;
  max_tokens?: number | undefined;
  stop?: string | string[] | undefined;
  response_format?: JsonObject | undefined;
}

export interface ChatOptions {
  /** Stream the answer, sending its text as live events; default: when someone watches the run. */
  stream?: boolean | undefined;
  /** The live events' type (default `llm.delta`); each event's data is `{content}`, a piece of the text. */
  event?: string;
}

const TOOL_CHOICES = new Set(["auto", "none", "required"]);

/** Calls the model once. Fails with a NodeError (see docs/ai.md#errors); reports the answer's usage to the step. */
export async function chat(
  ctx: ChatContext,
  connection: ChatConnection,
  request: ChatRequest,
  options: ChatOptions = {},
): Promise<ChatResult> {
  const target = resolveTarget(connection);
  const stream = options.stream ?? ctx.watched();
  const started = ctx.now();
  const body = requestBody(connection, request, target.extra);
  const call = openModelCall(ctx, target, connection);
  let result: ChatResult;
  try {
    result = stream
      ? await streamed(ctx, call, body, options.event ?? "llm.delta")
      : whole(await call.client.chat.completions.create(body, { signal: call.signal }));
  } catch (error) {
    throw call.failure(error);
  } finally {
    call.end();
  }
  if (result.usage) ctx.addUsage(result.usage);
  const durationMs = ctx.now() - started;
  ctx.log(
    "info",
    `${target.provider} ${result.model}: ${result.finish_reason ?? "no finish reason"}, ${result.usage?.total_tokens ?? "?"} tokens in ${durationMs} ms`,
    {
      provider: target.provider,
      model: result.model,
      streamed: stream,
      requests: call.requests(),
      duration_ms: durationMs,
      usage: result.usage,
    },
  );
  return result;
}

/** The request body: `options` first, so the named params win over them. */
function requestBody(connection: ChatConnection, request: ChatRequest, extra: JsonObject): ChatCompletionCreateParamsNonStreaming {
  const fields: JsonObject = { ...extra, model: connection.model, messages: request.messages };
  if (connection.temperature !== undefined) fields.temperature = connection.temperature;
  if (request.max_tokens !== undefined) fields.max_tokens = request.max_tokens;
  if (request.stop !== undefined) fields.stop = request.stop;
  if (request.tools !== undefined) fields.tools = request.tools;
  if (request.tool_choice !== undefined) fields.tool_choice = toolChoice(request.tool_choice);
  if (request.functions !== undefined) fields.functions = request.functions;
  if (request.response_format !== undefined) fields.response_format = request.response_format;
  delete fields.stream;
  delete fields.stream_options;
  return fields as unknown as ChatCompletionCreateParamsNonStreaming;
}

function toolChoice(choice: JsonValue): JsonValue {
  return typeof choice === "string" && !TOOL_CHOICES.has(choice) ? { type: "function", function: { name: choice } } : choice;
}

function whole(completion: ChatCompletion): ChatResult {
  const choices = (completion.choices ?? []).map((choice) => {
    const message = (isRecord(choice.message as unknown) ? choice.message : {}) as unknown as JsonObject;
    return {
      index: choice.index ?? 0,
      content: typeof message.content === "string" ? message.content : null,
      refusal: typeof message.refusal === "string" ? message.refusal : null,
      tool_calls: toolCallsOf(message),
      finish_reason: choice.finish_reason ?? null,
    };
  });
  return chatResult(completion.id ?? "", completion.model ?? "", choices, tokenUsage(completion.usage));
}

async function streamed(
  ctx: ChatContext,
  call: ModelCall,
  body: ChatCompletionCreateParamsNonStreaming,
  event: string,
): Promise<ChatResult> {
  const params: ChatCompletionCreateParamsStreaming = { ...body, stream: true, stream_options: { include_usage: true } };
  const chunks = await call.client.chat.completions.create(params, { signal: call.signal });
  const answer = new ChunkAccumulator();
  const pacer = new DeltaPacer((content) => ctx.emit(event, { content }));
  try {
    for await (const chunk of chunks) pacer.push(answer.add(chunk));
  } finally {
    pacer.end();
  }
  // The SDK ends a stream quietly when it is aborted: the deadline or the node's signal.
  if (call.signal.aborted) throw call.failure(call.signal.reason);
  return answer.result();
}
