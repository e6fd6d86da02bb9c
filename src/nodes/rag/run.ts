/** `rag`: ingest, query, answer, delete and stats over `ctx.vectors`, embeddings by embed(), the answer by chat(). */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonObject, JsonValue } from "../../lib/json";
import type { KeyValueFilter } from "../capabilities/kv";
import type { VectorCollection, VectorMatch } from "../capabilities/vectors";
import { defineNode, done } from "../define";
import { chat } from "../llm/chat";
import { embed } from "../llm/embed";
import { connectionTarget } from "../postgres/connection";
import type { NodeContext } from "../types";
import { answerMessages, citationsOf } from "./answer";
import { ingest, type Embedding } from "./ingest";
import { rag } from "./spec";

type RagParams = ParamsOf<typeof rag>;
type RagContext = NodeContext<RagParams>;

export const ragNode = defineNode({
  spec: rag,
  // ingest and delete write, but each write is idempotent: upsertDocument replaces all of a document's
  // chunks with the same chunks again, and a delete repeated deletes nothing more. A crash-replay of
  // the step therefore leaves the collection as one run would, so no checkpoint (a storage commit) is
  // taken before it. query and stats only read; answer's model call is not an effect, as for `llm`.
  sideEffects: false,
  run: async (ctx) => {
    const { params } = ctx;
    const collection = open(ctx);
    switch (params.operation) {
      case "ingest": {
        const documents = params.documents === undefined ? [] : Array.isArray(params.documents) ? params.documents : [params.documents];
        const overlap = params.chunk_overlap ?? Math.floor(params.chunk_size / 10);
        const chunking = { size: params.chunk_size, overlap, unit: params.chunk_unit };
        return done({ ...(await ingest(ctx, collection, documents, chunking, embedding(params))) });
      }
      case "query":
        return done({ matches: await search(ctx, collection) } as unknown as JsonObject);
      case "answer": {
        const question = required(params, "question");
        const matches = await search(ctx, collection);
        const answer = await chat(
          ctx,
          { ...params, api_key: required(params, "api_key"), model: required(params, "model") },
          {
            messages: answerMessages(question, matches),
            max_tokens: params.max_tokens,
          },
        );
        const text = answer.content ?? "";
        return done({ answer: text, citations: citationsOf(text, matches), matches, usage: answer.usage } as unknown as JsonObject);
      }
      case "delete": {
        const target =
          params.document_id === undefined ? { filter: (params.filter ?? {}) as KeyValueFilter } : { documentId: params.document_id };
        return done({ ...(await collection.delete(target)) });
      }
      case "stats":
        return done({ ...(await collection.stats()) });
    }
  },
});

function open(ctx: RagContext): VectorCollection {
  const { params } = ctx;
  if (params.store === "pgvector") return ctx.vectors(params.collection, { store: "pgvector", connection: connectionTarget(params) });
  return ctx.vectors(params.collection, { store: params.store });
}

function embedding(params: RagParams): Embedding {
  return { connection: { ...params, api_key: required(params, "api_key") }, model: params.embedding_model, dimensions: params.dimensions };
}

/** The query's matches: the question embedded unless the search is by keyword only. */
async function search(ctx: RagContext, collection: VectorCollection): Promise<VectorMatch[]> {
  const { params } = ctx;
  const question = required(params, "question");
  let vector: number[] | undefined;
  if (params.mode !== "keyword") {
    const { vectors } = await embed(ctx, embedding(params).connection, {
      input: [question],
      model: params.embedding_model,
      dimensions: params.dimensions,
    });
    vector = vectors[0];
  }
  return collection.query({
    text: question,
    mode: params.mode,
    ...(vector === undefined ? {} : { vector }),
    ...(params.k === undefined ? {} : { k: params.k }),
    ...(params.min_score === undefined ? {} : { minScore: params.min_score }),
    ...(params.filter === undefined ? {} : { filter: params.filter as Record<string, JsonValue> }),
  });
}

/** The spec's cross-check makes these present; a template may still have produced nothing. */
function required(params: RagParams, name: "question" | "api_key" | "model"): string {
  const value = params[name];
  if (value === undefined)
    throw new NodeError("invalid_params", `operation '${params.operation}' needs param '${name}'`, { param: name }, false);
  return value;
}
