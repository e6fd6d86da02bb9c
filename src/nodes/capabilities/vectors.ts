/**
 * `ctx.vectors(collection, options)`: an account's vector collections, the store under the `rag` node.
 * The interface and its rules live here; providers implement it and prove themselves with the
 * conformance suite in test/unit/nodes/vectors-conformance.ts:
 *   - in memory (vectors-memory.ts), for tests;
 *   - embedded, the default: a Durable Object per account and collection (src/objects/vectors/);
 *   - pgvector on the user's PostgreSQL or Neon (src/nodes/postgres/vectors.ts);
 *   - Cloudflare Vectorize (vectors-vectorize.ts), vector search only.
 *
 * A collection holds documents, each a list of chunks (an id, its text, its embedding, its metadata).
 * Its dimensions are set by its first write and hold while it has chunks; an emptied collection takes
 * the dimensions of its next write. Writing a document replaces all its chunks at once: a write that
 * fails leaves the chunks it would have replaced as they were.
 *
 * Scores (higher is closer): `vector` is the cosine similarity (-1 to 1); `keyword` is BM25 over the
 * chunks' words (vectors-text.ts: k1 1.2, b 0.75, the formula of SQLite FTS5's bm25()), the same on
 * every provider; `hybrid` fuses the two rankings by reciprocal rank fusion (RRF_K = 60), scaled so
 * that a chunk first in both rankings scores 1.
 *
 * Every failure here is a non-retryable NodeError: `invalid_collection`, `invalid_document_id`,
 * `invalid_chunk`, `chunk_too_large`, `too_many_chunks`, `invalid_vector`, `dimension_mismatch`,
 * `dimensions_unsupported`, `collection_full`, `invalid_query`, `invalid_filter`, and
 * `not_supported` (an operation a provider lacks, such as keyword search on Vectorize).
 */
import { NodeError } from "../../engine/outcome";
import type { JsonObject } from "../../lib/json";
import { utf8 } from "../../lib/encoding";
import type { ConnectionTarget } from "../postgres/connection";
import { encodeValue, type KeyValueFilter } from "./kv";
import { compileFilter, type FilterCondition } from "./kv-query";
import { tokenize } from "./vectors-text";

export type SearchMode = "vector" | "keyword" | "hybrid";
export const SEARCH_MODES: readonly SearchMode[] = ["vector", "keyword", "hybrid"];

/** Embedded and in-memory collections; pgvector and Vectorize state their own (VectorLimits). */
export const MAX_DIMENSIONS = 4096;
/** UTF-8 bytes of a chunk's text: about 4,000 English tokens. */
export const MAX_CHUNK_TEXT_BYTES = 16 * 1024;
/** UTF-8 bytes of a chunk's metadata as JSON. */
export const MAX_METADATA_BYTES = 2048;
export const MAX_CHUNKS_PER_DOCUMENT = 1000;
/** UTF-8 bytes of a document id or a chunk id. */
export const MAX_ID_BYTES = 256;
export const DEFAULT_K = 5;
export const MAX_K = 100;
/**
 * Values (chunks × dimensions) one embedded collection holds: 100,000 chunks of 384 dimensions, or
 * 25,000 of 1,536. Its exact scan reads every vector per query; the figures in docs/ai.md show what
 * that costs at this size.
 */
export const MAX_COLLECTION_VALUES = 100_000 * 384;
const FLOAT32_MAX = 3.4028234663852886e38;
const COLLECTION_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Limits a provider enforces; tests lower them. */
export interface VectorLimits {
  maxDimensions: number;
  /** Chunks × dimensions of one collection; Infinity where the backend sets no bound. */
  maxCollectionValues: number;
}
export const DEFAULT_VECTOR_LIMITS: VectorLimits = { maxDimensions: MAX_DIMENSIONS, maxCollectionValues: MAX_COLLECTION_VALUES };

export interface VectorChunk {
  /** Unique within its document; a match names both. */
  id: string;
  text: string;
  vector: readonly number[];
  /** A JSON object the filter of a query or a delete tests; `{}` when absent. */
  metadata?: JsonObject;
}

export interface VectorQuery {
  /** The question's embedding: needed by `vector` and `hybrid`. */
  vector?: readonly number[];
  /** The question's words: needed by `keyword` and `hybrid`. */
  text?: string;
  /** Matches wanted, 1 to MAX_K; DEFAULT_K when absent. */
  k?: number;
  /** Matches scoring below this (on the mode's scale) are left out. */
  minScore?: number;
  /** On the chunks' metadata, with the operators of the key-value store's query (kv-query.ts). */
  filter?: KeyValueFilter;
  /** `vector` when absent. */
  mode?: SearchMode;
}

export interface VectorMatch {
  id: string;
  document_id: string;
  text: string;
  score: number;
  metadata: JsonObject;
}

export interface VectorStats {
  documents: number;
  chunks: number;
  /** null while the collection is empty. */
  dimensions: number | null;
}

/** A delete by document, or of every chunk whose metadata matches a non-empty filter. */
export type VectorDeleteTarget = { documentId: string } | { filter: KeyValueFilter };

export interface VectorCollection {
  /**
   * Replaces every chunk of the document with these, at once. Answers how many chunks were written
   * and how many the document had before.
   */
  upsertDocument(documentId: string, chunks: readonly VectorChunk[]): Promise<{ chunks: number; replaced: number }>;
  /** The best matches first; at most `k`. An empty collection answers none. */
  query(query: VectorQuery): Promise<VectorMatch[]>;
  /** How many chunks were deleted, and of how many documents. */
  delete(target: VectorDeleteTarget): Promise<{ documents: number; chunks: number }>;
  stats(): Promise<VectorStats>;
}

/** Which store a collection lives in; the embedded one unless said otherwise. */
export type VectorStoreOptions =
  | { store?: "embedded" }
  | { store: "vectorize" }
  | {
      store: "pgvector";
      /** The database, as the `postgres` node reads its params (connectionTarget). */
      connection: ConnectionTarget;
      /** Statement timeout in milliseconds; 30 s when absent. */
      timeoutMs?: number;
    };

/** `ctx.vectors`: an account's collection by name, in the store the options pick. */
export type VectorStores = (collection: string, options?: VectorStoreOptions) => VectorCollection;

// ---------------------------------------------------------------------------------------------
// The checks every provider runs, so each fails the same way on the same input.

/** Input may come from a flow, whatever its type says: a plain test, without narrowing the declared type. */
const isObject = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value);

const fail = (code: string, message: string, details: JsonObject | null = null) => new NodeError(code, message, details, false);

export function checkCollection(name: string): void {
  if (typeof name !== "string" || !COLLECTION_PATTERN.test(name)) {
    throw fail("invalid_collection", "A collection name is 1 to 64 letters, digits, '_' or '-'");
  }
}

function checkId(id: string, what: "document" | "chunk"): void {
  const code = what === "document" ? "invalid_document_id" : "invalid_chunk";
  if (typeof id !== "string" || id === "" || !id.isWellFormed()) {
    throw fail(code, `A ${what} id must be a non-empty string of valid Unicode`);
  }
  if (utf8(id).byteLength > MAX_ID_BYTES) throw fail(code, `A ${what} id must be at most ${MAX_ID_BYTES} bytes of UTF-8`);
}

export const checkDocumentId = (id: string): void => checkId(id, "document");

/** A chunk as providers store it: checked, its vector scaled to length 1, its words counted. */
export interface PreparedChunk {
  id: string;
  text: string;
  /** Unit length (cosine similarity is then a dot product). */
  unit: Float32Array;
  /** The vector as given, for a backend that normalises itself (pgvector). */
  vector: readonly number[];
  metadata: JsonObject;
  /** The metadata's JSON text. */
  metadataJson: string;
  /** The text's words (vectors-text.ts), in order: what keyword search sees. */
  terms: string[];
}

/** Checks a document's chunks against the limits; all have one dimension count, which it returns. */
export function prepareChunks(chunks: readonly VectorChunk[], limits: VectorLimits): { chunks: PreparedChunk[]; dimensions: number } {
  if (!Array.isArray(chunks) || chunks.length === 0) {
    throw fail("invalid_chunk", "A document needs at least one chunk (to remove one, delete it)");
  }
  if (chunks.length > MAX_CHUNKS_PER_DOCUMENT) {
    throw fail("too_many_chunks", `A document has at most ${MAX_CHUNKS_PER_DOCUMENT} chunks, not ${chunks.length}`, {
      max_chunks: MAX_CHUNKS_PER_DOCUMENT,
    });
  }
  const seen = new Set<string>();
  const dimensions = chunks[0]?.vector?.length ?? 0;
  const prepared = chunks.map((chunk, index) => {
    if (!isObject(chunk)) throw fail("invalid_chunk", `Chunk ${index} is not an object`);
    checkId(chunk.id, "chunk");
    if (seen.has(chunk.id)) throw fail("invalid_chunk", `The chunk id '${chunk.id}' appears twice in the document`);
    seen.add(chunk.id);
    if (typeof chunk.text !== "string" || chunk.text.trim() === "") throw fail("invalid_chunk", `Chunk '${chunk.id}' has no text`);
    // PostgreSQL's text and jsonb cannot hold U+0000; refused everywhere so every store takes the same chunks.
    if (!chunk.text.isWellFormed() || chunk.text.includes("\u0000")) {
      throw fail("invalid_chunk", `The text of chunk '${chunk.id}' is not valid Unicode without NUL characters`);
    }
    if (utf8(chunk.text).byteLength > MAX_CHUNK_TEXT_BYTES) {
      throw fail("chunk_too_large", `Chunk '${chunk.id}' has more than ${MAX_CHUNK_TEXT_BYTES} bytes of text`, {
        max_bytes: MAX_CHUNK_TEXT_BYTES,
      });
    }
    const metadata = chunk.metadata ?? {};
    if (!isObject(metadata)) throw fail("invalid_chunk", `The metadata of chunk '${chunk.id}' is not an object`);
    const metadataJson = encodeMetadata(metadata, chunk.id);
    const unit = unitVector(chunk.vector, `chunk '${chunk.id}'`, limits);
    if (unit.length !== dimensions) {
      throw fail("invalid_vector", `Chunk '${chunk.id}' has ${unit.length} dimensions; the document's first chunk has ${dimensions}`);
    }
    return { id: chunk.id, text: chunk.text, unit, vector: chunk.vector, metadata, metadataJson, terms: tokenize(chunk.text) };
  });
  return { chunks: prepared, dimensions };
}

function encodeMetadata(metadata: JsonObject, chunkId: string): string {
  let json: string;
  try {
    json = encodeValue(metadata);
  } catch {
    throw fail("invalid_chunk", `The metadata of chunk '${chunkId}' cannot be stored as JSON`);
  }
  // JSON escapes U+0000 as \u0000 after an even run of backslashes (an odd one is a literal "\u0000").
  if (/(^|[^\\])(\\\\)*\\u0000/.test(json)) throw fail("invalid_chunk", `The metadata of chunk '${chunkId}' holds a NUL character`);
  if (utf8(json).byteLength > MAX_METADATA_BYTES) {
    throw fail("chunk_too_large", `The metadata of chunk '${chunkId}' is more than ${MAX_METADATA_BYTES} bytes as JSON`, {
      max_bytes: MAX_METADATA_BYTES,
    });
  }
  return json;
}

/** The vector scaled to length 1, as 32-bit floats; refuses what has no direction. */
export function unitVector(vector: readonly number[] | undefined, what: string, limits: VectorLimits): Float32Array {
  if (!Array.isArray(vector) || vector.length === 0) throw fail("invalid_vector", `The vector of ${what} must be a list of numbers`);
  if (vector.length > limits.maxDimensions) {
    throw fail("dimensions_unsupported", `This store takes at most ${limits.maxDimensions} dimensions, not ${vector.length}`, {
      max_dimensions: limits.maxDimensions,
    });
  }
  let sum = 0;
  for (const x of vector) {
    // Stores keep 32-bit floats (pgvector's `vector` too): a larger value would become infinite there.
    if (typeof x !== "number" || !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX) {
      throw fail("invalid_vector", `The vector of ${what} holds something that is not a finite 32-bit number`);
    }
    sum += x * x;
  }
  if (sum === 0) throw fail("invalid_vector", `The vector of ${what} is all zeros: it has no direction to compare`);
  const norm = Math.sqrt(sum);
  return Float32Array.from(vector, (x) => x / norm);
}

/** The failure of a write or query whose vectors do not fit the collection. */
export function dimensionMismatch(collection: number, given: number): NodeError {
  return fail(
    "dimension_mismatch",
    `The collection holds vectors of ${collection} dimensions, not ${given}: embed with the collection's model, or delete its documents first`,
    { collection_dimensions: collection, dimensions: given },
  );
}

export function collectionFull(maxValues: number, dimensions: number): NodeError {
  return fail(
    "collection_full",
    `A collection holds at most ${maxValues} values (chunks × dimensions): ${Math.floor(maxValues / dimensions)} chunks of ${dimensions} dimensions`,
    { max_values: maxValues, max_chunks: Math.floor(maxValues / dimensions) },
  );
}

export const notSupported = (message: string): NodeError => fail("not_supported", message);

/** A query as providers run it. */
export interface PreparedQuery {
  mode: SearchMode;
  k: number;
  minScore: number;
  /** Unit length; present for `vector` and `hybrid`. */
  unit: Float32Array | null;
  vector: readonly number[] | null;
  /** The distinct words of the text, at most MAX_QUERY_TERMS; present for `keyword` and `hybrid`. */
  terms: string[] | null;
  filter: FilterCondition[];
}

/** Distinct words of a query's text that keyword search uses. */
export const MAX_QUERY_TERMS = 64;

export function prepareQuery(query: VectorQuery, limits: VectorLimits): PreparedQuery {
  if (!isObject(query)) throw fail("invalid_query", "A query is an object");
  const mode = query.mode ?? "vector";
  if (!SEARCH_MODES.includes(mode)) throw fail("invalid_query", `mode is one of ${SEARCH_MODES.join(", ")}, not '${String(mode)}'`);
  const k = query.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw fail("invalid_query", `k is a whole number from 1 to ${MAX_K}`);
  const minScore = query.minScore ?? Number.NEGATIVE_INFINITY;
  if (typeof minScore !== "number" || Number.isNaN(minScore)) throw fail("invalid_query", "min_score is a number");
  const wantsVector = mode !== "keyword";
  const wantsText = mode !== "vector";
  if (wantsVector && query.vector === undefined) throw fail("invalid_query", `A ${mode} query needs the question's vector`);
  if (wantsText && (typeof query.text !== "string" || query.text.trim() === "")) {
    throw fail("invalid_query", `A ${mode} query needs the question's text`);
  }
  const unit = wantsVector ? unitVector(query.vector, "the query", limits) : null;
  const terms = wantsText ? [...new Set(tokenize(query.text ?? ""))].slice(0, MAX_QUERY_TERMS) : null;
  return { mode, k, minScore, unit, vector: wantsVector ? (query.vector ?? null) : null, terms, filter: compileFilter(query.filter) };
}

/** The conditions of a delete by filter, which must name at least one field. */
export function deleteFilter(filter: KeyValueFilter): FilterCondition[] {
  const conditions = compileFilter(filter);
  if (conditions.length === 0) throw fail("invalid_filter", "A delete by filter needs at least one condition");
  return conditions;
}
