/**
 * Cloudflare Vectorize behind the VectorCollection port: a thin mapping, for production on
 * Cloudflare (Vectorize cannot run locally). One index serves every account: a collection is a
 * Vectorize namespace (a hash of account and name), a chunk a vector whose id is a hash of the
 * namespace and document plus the chunk's position, whose metadata holds the chunk's own fields
 * beside `fr_document`, `fr_chunk`, `fr_text` and `fr_count` (the document's chunk count, on its
 * first chunk).
 *
 * What Vectorize cannot do fails with `not_supported`: keyword and hybrid search (it has no keyword
 * index), `$contains` and comparisons with lists or objects in filters, deleting by filter, and
 * stats (it counts a whole index, every account's). Its writes are applied a few seconds after they
 * are accepted, so a query right after a write may not see it, and `replaced` counts what the index
 * showed at the time. The index must use the cosine metric; filters work on the metadata fields an
 * index was given metadata indexes for (`wrangler vectorize create-metadata-index`).
 */
import { NodeError } from "../../engine/outcome";
import { sha256Hex } from "../../lib/crypto";
import { utf8 } from "../../lib/encoding";
import type { JsonObject, JsonValue } from "../../lib/json";
import {
  checkCollection,
  checkDocumentId,
  dimensionMismatch,
  MAX_CHUNKS_PER_DOCUMENT,
  notSupported,
  prepareChunks,
  prepareQuery,
  type VectorCollection,
  type VectorLimits,
} from "./vectors";
import type { FilterCondition } from "./kv-query";

/** Vectorize's limits: 1,536 dimensions, 10 KiB of metadata a vector, 20 matches with their metadata. */
export const VECTORIZE_LIMITS: VectorLimits = { maxDimensions: 1536, maxCollectionValues: Number.POSITIVE_INFINITY };
export const VECTORIZE_MAX_METADATA_BYTES = 10 * 1024;
export const VECTORIZE_MAX_TOP_K = 20;
/** Vectors per upsert or delete call from a Worker. */
export const VECTORIZE_BATCH = 1000;

type MetadataValue = string | number | boolean | string[];
type Metadata = Record<string, MetadataValue | Record<string, MetadataValue>>;
type FilterValue = string | number | boolean | null;
export type VectorizeFilter = Record<string, FilterValue | Record<string, FilterValue | FilterValue[]>>;

/** The part of the Vectorize binding (`env.VECTORIZE`, the V2 API) this adapter calls. */
export interface VectorizeBinding {
  describe(): Promise<{ dimensions: number; vectorCount: number }>;
  upsert(vectors: { id: string; values: number[]; namespace: string; metadata: Metadata }[]): Promise<{ mutationId: string }>;
  query(
    vector: number[],
    options: { topK: number; namespace: string; returnValues: boolean; returnMetadata: "all"; filter?: VectorizeFilter },
  ): Promise<{ matches: { id: string; score: number; metadata?: Record<string, unknown> }[]; count: number }>;
  getByIds(ids: string[]): Promise<{ id: string; metadata?: Record<string, unknown> }[]>;
  deleteByIds(ids: string[]): Promise<{ mutationId: string }>;
}

const RESERVED = "fr_";
const fail = (code: string, message: string) => new NodeError(code, message, null, false);

export function vectorizeCollection(index: VectorizeBinding, accountId: string, collection: string): VectorCollection {
  checkCollection(collection);
  const namespace = sha256Hex(`${accountId}:${collection}`).then((hex) => hex.slice(0, 32));
  let dimensions: Promise<number> | undefined;
  const indexDimensions = () => (dimensions ??= index.describe().then((info) => info.dimensions));
  /** Vector ids of a document's chunks by position: always the same for the same document. */
  const ids = async (documentId: string, from: number, to: number) => {
    const base = (await sha256Hex(`${await namespace}\u0000${documentId}`)).slice(0, 32);
    return Array.from({ length: to - from }, (_, i) => `${base}-${from + i}`);
  };
  /** The document's chunk count as its first chunk records it (0 when the index shows none). */
  const storedCount = async (documentId: string) => {
    const [first] = await index.getByIds(await ids(documentId, 0, 1));
    const count = first?.metadata?.fr_count;
    return typeof count === "number" ? count : 0;
  };
  const deleteIds = async (all: string[]) => {
    for (let at = 0; at < all.length; at += VECTORIZE_BATCH) await index.deleteByIds(all.slice(at, at + VECTORIZE_BATCH));
  };

  return {
    async upsertDocument(documentId, given) {
      checkDocumentId(documentId);
      const { chunks, dimensions: size } = prepareChunks(given, VECTORIZE_LIMITS);
      const expected = await indexDimensions();
      if (size !== expected) throw dimensionMismatch(expected, size);
      const vectorIds = await ids(documentId, 0, chunks.length);
      const space = await namespace;
      const vectors = chunks.map((chunk, position) => ({
        id: vectorIds[position]!,
        values: [...chunk.vector],
        namespace: space,
        metadata: vectorizeMetadata(chunk.metadata, chunk.id, {
          fr_document: documentId,
          fr_chunk: chunk.id,
          fr_text: chunk.text,
          ...(position === 0 ? { fr_count: chunks.length } : {}),
        }),
      }));
      const replaced = await storedCount(documentId);
      for (let at = 0; at < vectors.length; at += VECTORIZE_BATCH) await index.upsert(vectors.slice(at, at + VECTORIZE_BATCH));
      // Positions past the new last chunk held the previous version's tail, if it was longer.
      await deleteIds(await ids(documentId, chunks.length, MAX_CHUNKS_PER_DOCUMENT));
      return { chunks: chunks.length, replaced };
    },

    async query(given) {
      const query = prepareQuery(given, VECTORIZE_LIMITS);
      if (query.mode !== "vector" || query.vector === null) {
        throw notSupported(`Vectorize has no keyword index: a ${query.mode} query needs the embedded or pgvector store`);
      }
      if (query.k > VECTORIZE_MAX_TOP_K) throw notSupported(`Vectorize returns at most ${VECTORIZE_MAX_TOP_K} matches with their text`);
      const expected = await indexDimensions();
      if (query.vector.length !== expected) throw dimensionMismatch(expected, query.vector.length);
      const filter = vectorizeFilter(query.filter);
      const { matches } = await index.query([...query.vector], {
        topK: query.k,
        namespace: await namespace,
        returnValues: false,
        returnMetadata: "all",
        ...(filter === null ? {} : { filter }),
      });
      return matches
        .filter((match) => match.score >= query.minScore)
        .map((match) => {
          const { fr_document, fr_chunk, fr_text, fr_count: _count, ...metadata } = match.metadata ?? {};
          return {
            id: String(fr_chunk),
            document_id: String(fr_document),
            text: String(fr_text),
            score: match.score,
            metadata: metadata as JsonObject,
          };
        });
    },

    async delete(target) {
      if (!("documentId" in target)) throw notSupported("Vectorize cannot delete by filter: delete by document id");
      checkDocumentId(target.documentId);
      const chunks = await storedCount(target.documentId);
      await deleteIds(await ids(target.documentId, 0, MAX_CHUNKS_PER_DOCUMENT));
      return { documents: chunks > 0 ? 1 : 0, chunks };
    },

    async stats() {
      throw notSupported("Vectorize counts a whole index, not a collection: stats needs the embedded or pgvector store");
    },
  };
}

/** A chunk's metadata as Vectorize takes it: its own fields (of the types Vectorize stores) and ours. */
function vectorizeMetadata(metadata: JsonObject, chunkId: string, ours: Record<string, string | number>): Metadata {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key === "" || key.includes(".") || key.includes('"') || key.startsWith("$") || key.startsWith(RESERVED)) {
      throw fail(
        "invalid_chunk",
        `Vectorize metadata keys are not empty, hold no '.' or '"', and start with neither '$' nor '${RESERVED}': '${key}'`,
      );
    }
    out[key] = metadataValue(value, chunkId, key, true);
  }
  Object.assign(out, ours);
  if (utf8(JSON.stringify(out)).byteLength > VECTORIZE_MAX_METADATA_BYTES) {
    throw fail(
      "chunk_too_large",
      `Chunk '${chunkId}': Vectorize holds at most ${VECTORIZE_MAX_METADATA_BYTES} bytes of metadata, text included`,
    );
  }
  return out;
}

function metadataValue(value: JsonValue, chunkId: string, key: string, nested: boolean): MetadataValue | Record<string, MetadataValue> {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
  if (nested && typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, metadataValue(v, chunkId, key, false) as MetadataValue]));
  }
  throw fail(
    "invalid_chunk",
    `Chunk '${chunkId}': Vectorize stores strings, numbers, booleans, lists of strings and one level of objects, not the value of '${key}'`,
  );
}

const VECTORIZE_OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in"]);

/** The store's filter as Vectorize's (dotted paths, one object of operators per field); null for none. */
export function vectorizeFilter(conditions: FilterCondition[]): VectorizeFilter | null {
  if (conditions.length === 0) return null;
  const filter: Record<string, Record<string, FilterValue | FilterValue[]>> = {};
  const scalar = (value: JsonValue): value is FilterValue => value === null || ["string", "number", "boolean"].includes(typeof value);
  for (const { path, op, operand } of conditions) {
    if (!VECTORIZE_OPERATORS.has(op)) throw notSupported(`Vectorize filters have no ${op}`);
    const ok = op === "$in" ? Array.isArray(operand) && operand.every(scalar) : scalar(operand);
    if (!ok) throw notSupported(`Vectorize filters compare strings, numbers and booleans only (${op} on '${path.join(".")}')`);
    const field = path.join(".");
    if (filter[field]?.[op] !== undefined) throw notSupported(`Vectorize takes one ${op} per field ('${field}')`);
    filter[field] = { ...filter[field], [op]: operand as FilterValue | FilterValue[] };
  }
  return filter;
}
