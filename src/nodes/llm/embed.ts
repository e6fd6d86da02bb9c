/**
 * Embeddings from any OpenAI-compatible API (`POST /embeddings`), for every node type that turns text
 * into vectors (`rag`): the same connection, transport, deadline, retries and errors as `chat()`,
 * batched, with the tokens reported to the step (`ctx.addUsage`).
 *
 * @example
 * const { vectors } = await embed(ctx, ctx.params, { input: ["first passage", "second"], model: "text-embedding-3-small" });
 */
import { NodeError } from "../../engine/outcome";
import type { NodeContext } from "../types";
import type { ChatConnection } from "./chat";
import { resolveTarget } from "./provider";
import { openModelCall } from "./transport";

/** Inputs per request: OpenAI takes up to 2048; smaller batches keep each answer well under the byte cap. */
export const EMBED_BATCH = 256;

export type EmbedContext = Pick<NodeContext, "http" | "signal" | "log" | "addUsage">;

export interface EmbedRequest {
  input: readonly string[];
  /** The embedding model, e.g. text-embedding-3-small. */
  model: string;
  /** Shorter vectors, for models that support it (text-embedding-3-*). */
  dimensions?: number | undefined;
}

export interface EmbedResult {
  /** One vector per input, in the inputs' order. */
  vectors: number[][];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Embeds the inputs. Fails with the `llm_*` NodeErrors of chat(), or `llm_invalid_response` for an answer that does not fit the inputs. */
export async function embed(ctx: EmbedContext, connection: Omit<ChatConnection, "model">, request: EmbedRequest): Promise<EmbedResult> {
  const target = resolveTarget(connection);
  const vectors: number[][] = [];
  const usage = { prompt_tokens: 0, total_tokens: 0 };
  let model = request.model;
  for (let start = 0; start < request.input.length; start += EMBED_BATCH) {
    const input = request.input.slice(start, start + EMBED_BATCH);
    const call = openModelCall(ctx, target, connection);
    try {
      const answer = await call.client.embeddings.create(
        {
          model: request.model,
          input,
          encoding_format: "float",
          ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
        },
        { signal: call.signal },
      );
      const data = [...(answer.data ?? [])].sort((a, b) => a.index - b.index);
      if (data.length !== input.length || data.some((item, i) => item.index !== i || !isVector(item.embedding))) {
        throw new NodeError("llm_invalid_response", `${target.provider} answered ${data.length} embeddings for ${input.length} inputs`);
      }
      vectors.push(...data.map((item) => item.embedding));
      model = answer.model ?? model;
      usage.prompt_tokens += answer.usage?.prompt_tokens ?? 0;
      usage.total_tokens += answer.usage?.total_tokens ?? 0;
    } catch (error) {
      throw call.failure(error);
    } finally {
      call.end();
    }
  }
  const dimensions = new Set(vectors.map((vector) => vector.length));
  if (dimensions.size > 1)
    throw new NodeError("llm_invalid_response", `${target.provider} answered vectors of ${[...dimensions].join(" and ")} dimensions`);
  if (usage.total_tokens > 0) ctx.addUsage(usage);
  ctx.log("info", `${target.provider} ${model}: ${vectors.length} embeddings, ${usage.total_tokens} tokens`, {
    model,
    inputs: vectors.length,
  });
  return { vectors, model, usage };
}

const isVector = (value: unknown): value is number[] =>
  Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === "number" && Number.isFinite(x));
