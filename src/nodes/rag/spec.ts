/** `rag`: retrieval over the account's vector collections (ctx.vectors), with embeddings and an answer from a chat model. */
import { z } from "zod";
import { freeMap, isTemplate, jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector, type ParamProblem } from "../../flow/node-types/spec";
import { SECRET_SCHEMAS } from "../../vault/secret-types";
import type { SearchMode } from "../capabilities/vectors";
import { connection, connectionProblems } from "../llm/spec";

export const RAG_OPERATIONS = ["ingest", "query", "answer", "delete", "stats"] as const;
export const RAG_STORES = ["embedded", "pgvector", "vectorize"] as const;
export const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";
export const DEFAULT_CHUNK_SIZE = 1000;
// The store's MAX_K, MAX_DIMENSIONS and SEARCH_MODES (capabilities/vectors.ts), repeated: the specs
// load without any node's runtime (the CLI's offline validate, the schema script).
const MAX_K = 100;
const MAX_DIMENSIONS = 4096;
const SEARCH_MODES = ["vector", "keyword", "hybrid"] as const satisfies readonly SearchMode[];

const ragDocument = z.strictObject({
  id: z.string().min(1).describe("The document's id: ingesting it again replaces its chunks"),
  text: z.string().describe("Its text (markdown is split at headings first)"),
  metadata: z.record(z.string(), jsonValue).optional().describe("Kept on each of its chunks, for filters"),
});

export const rag = defineNodeType({
  type: "rag",
  description:
    "Retrieval over a vector collection of the account. ingest → {documents, chunks, replaced, ids, model, dimensions}; query → {matches: [{id, document_id, text, score, metadata}]}; answer → {answer, citations: [{n, id, document_id, score}], matches, usage}; delete → {documents, chunks}; stats → {documents, chunks, dimensions}.",
  actions: ["default"],
  params: {
    operation: z.enum(RAG_OPERATIONS).describe(RAG_OPERATIONS.join(", ")),
    collection: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .describe("The collection: 1-64 letters, digits, _ or -"),
    store: z
      .enum(RAG_STORES)
      .default("embedded")
      .describe("embedded (default: on this server), pgvector (your PostgreSQL, with connection_string or connection) or vectorize"),
    connection_string: z.string().optional().describe('pgvector: postgres:// URL, usually "${secrets.DATABASE_URL}"'),
    connection: SECRET_SCHEMAS.database.optional().describe('pgvector: a database secret, "${secrets.DB}"'),
    documents: z
      .union([ragDocument, z.array(ragDocument).min(1)])
      .optional()
      .describe("ingest: {id, text, metadata} or a list of them"),
    chunk_size: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_CHUNK_SIZE)
      .describe(`ingest: the most a chunk holds, in chunk_unit (default ${DEFAULT_CHUNK_SIZE})`),
    chunk_overlap: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("ingest: how much of a chunk's end the next one repeats (default a tenth of chunk_size)"),
    chunk_unit: z.enum(["characters", "tokens"]).default("characters").describe("ingest: characters (default) or tokens"),
    question: z.string().min(1).optional().describe("query, answer: what to search for"),
    k: z.number().int().min(1).max(MAX_K).optional().describe("query, answer: matches wanted (default 5)"),
    min_score: z.number().optional().describe("query, answer: leave out matches scoring less (on the mode's scale)"),
    mode: z.enum(SEARCH_MODES).default("vector").describe("query, answer: vector (default), keyword or hybrid"),
    filter: freeMap
      .optional()
      .describe(
        "query, answer, delete: on the chunks' metadata, {field: value} or {field: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$contains: value}}",
      ),
    document_id: z.string().min(1).optional().describe("delete: the document whose chunks go"),
    ...connection,
    api_key: connection.api_key
      .optional()
      .describe('ingest, query, answer: API key of the embeddings and chat API, "${secrets.OPENAI_API_KEY}"'),
    model: connection.model.optional().describe("answer: the chat model, e.g. gpt-4.1-mini"),
    embedding_model: z
      .string()
      .min(1)
      .default(DEFAULT_EMBEDDING_MODEL)
      .describe(`The embedding model (default ${DEFAULT_EMBEDDING_MODEL})`),
    dimensions: z.number().int().min(1).max(MAX_DIMENSIONS).optional().describe("Shorter embeddings, for models that support it"),
    max_tokens: z.number().int().min(1).optional().describe("answer: completion token limit"),
  },
  crossCheck: (params) => [
    ...connectionProblems(params),
    ...requiredBySelector(params, "operation", undefined, {
      ingest: ["documents", "api_key"],
      query: ["question"],
      answer: ["question", "api_key", "model"],
    }),
    ...ragProblems(params),
  ],
});

function ragProblems(params: Record<string, unknown>): ParamProblem[] {
  const { operation, mode, store } = params;
  const problems: ParamProblem[] = [];
  const known = (value: unknown): value is string => typeof value === "string" && !isTemplate(value);
  if (
    known(operation) &&
    operation === "query" &&
    (mode === undefined || (known(mode) && mode !== "keyword")) &&
    params.api_key === undefined
  ) {
    problems.push({ path: ["api_key"], message: "a vector or hybrid query needs param 'api_key' to embed the question", missing: true });
  }
  if (known(operation) && operation === "delete" && (params.document_id === undefined) === (params.filter === undefined)) {
    problems.push({
      path: ["document_id"],
      message: "delete needs either 'document_id' or 'filter'",
      missing: params.filter === undefined,
    });
  }
  if (known(store) && store === "pgvector" && params.connection_string === undefined && params.connection === undefined) {
    problems.push({ path: ["connection_string"], message: "store 'pgvector' needs 'connection_string' or 'connection'", missing: true });
  }
  const { chunk_size: size, chunk_overlap: overlap } = params;
  if (typeof overlap === "number" && overlap >= (typeof size === "number" ? size : DEFAULT_CHUNK_SIZE)) {
    problems.push({ path: ["chunk_overlap"], message: "chunk_overlap must be less than chunk_size" });
  }
  return problems;
}
