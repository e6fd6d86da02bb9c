/** In-memory vector collections for tests: one per account and collection name, lost with the process. */
import type { JsonObject } from "../../lib/json";
import { matchesFilter, type FilterCondition } from "./kv-query";
import {
  checkCollection,
  checkDocumentId,
  collectionFull,
  DEFAULT_VECTOR_LIMITS,
  deleteFilter,
  dimensionMismatch,
  prepareChunks,
  prepareQuery,
  type VectorCollection,
  type VectorLimits,
} from "./vectors";
import { bm25Term, byScore, dot, finalRanking, idf, rankingDepth, type CorpusStats, type Ranked } from "./vectors-text";

interface StoredChunk {
  documentId: string;
  id: string;
  text: string;
  unit: Float32Array;
  metadata: JsonObject;
  /** How often each word occurs, and how many words the text has. */
  frequencies: Map<string, number>;
  length: number;
}

/** `open(accountId, collection)`; each pair is its own collection. */
export function createMemoryVectorStores(limits: Partial<VectorLimits> = {}): (accountId: string, collection: string) => VectorCollection {
  const collections = new Map<string, VectorCollection>();
  const settings = { ...DEFAULT_VECTOR_LIMITS, ...limits };
  return (accountId, collection) => {
    checkCollection(collection);
    const name = `${accountId}:${collection}`;
    let found = collections.get(name);
    if (!found) {
      found = memoryCollection(settings);
      collections.set(name, found);
    }
    return found;
  };
}

function memoryCollection(limits: VectorLimits): VectorCollection {
  const documents = new Map<string, StoredChunk[]>();
  let dimensions: number | null = null;
  const all = () => [...documents.values()].flat();
  const count = () => all().length;

  const removeWhere = (test: (chunk: StoredChunk) => boolean) => {
    let chunks = 0;
    const touched = new Set<string>();
    for (const [documentId, list] of documents) {
      const kept = list.filter((chunk) => !test(chunk));
      if (kept.length === list.length) continue;
      chunks += list.length - kept.length;
      touched.add(documentId);
      if (kept.length === 0) documents.delete(documentId);
      else documents.set(documentId, kept);
    }
    if (count() === 0) dimensions = null;
    return { documents: touched.size, chunks };
  };

  return {
    async upsertDocument(documentId, given) {
      checkDocumentId(documentId);
      const prepared = prepareChunks(given, limits);
      const total = count();
      if (total > 0 && dimensions !== null && dimensions !== prepared.dimensions) throw dimensionMismatch(dimensions, prepared.dimensions);
      const replaced = documents.get(documentId)?.length ?? 0;
      if ((total - replaced + prepared.chunks.length) * prepared.dimensions > limits.maxCollectionValues) {
        throw collectionFull(limits.maxCollectionValues, prepared.dimensions);
      }
      documents.set(
        documentId,
        prepared.chunks.map((chunk) => {
          const frequencies = new Map<string, number>();
          for (const term of chunk.terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
          return {
            documentId,
            id: chunk.id,
            text: chunk.text,
            unit: chunk.unit,
            metadata: JSON.parse(chunk.metadataJson) as JsonObject,
            frequencies,
            length: chunk.terms.length,
          };
        }),
      );
      dimensions = prepared.dimensions;
      return { chunks: prepared.chunks.length, replaced };
    },

    async query(given) {
      const query = prepareQuery(given, limits);
      const chunks = all();
      if (dimensions === null || chunks.length === 0) return [];
      if (query.unit !== null && query.unit.length !== dimensions) throw dimensionMismatch(dimensions, query.unit.length);
      const depth = rankingDepth(query);
      const candidates = passing(chunks, query.filter);
      const ranked = (score: (chunk: StoredChunk) => number | null): Ranked<StoredChunk>[] =>
        candidates
          .map((chunk) => ({ key: chunk, score: score(chunk), documentId: chunk.documentId, id: chunk.id }))
          .filter((candidate): candidate is Ranked<StoredChunk> => candidate.score !== null)
          .sort(byScore)
          .slice(0, depth);
      const unit = query.unit;
      const vector = unit === null ? [] : ranked((chunk) => dot(unit, chunk.unit));
      const keyword = query.terms === null ? [] : ranked(keywordScorer(chunks, query.terms));
      return finalRanking(query, vector, keyword, (chunk) => `${chunk.documentId}\u0000${chunk.id}`).map(({ key, score }) => ({
        id: key.id,
        document_id: key.documentId,
        text: key.text,
        score,
        metadata: structuredClone(key.metadata),
      }));
    },

    async delete(target) {
      if ("documentId" in target) {
        checkDocumentId(target.documentId);
        const documentId = target.documentId;
        return removeWhere((chunk) => chunk.documentId === documentId);
      }
      const conditions = deleteFilter(target.filter);
      return removeWhere((chunk) => matchesFilter(conditions, chunk.metadata));
    },

    async stats() {
      return { documents: documents.size, chunks: count(), dimensions };
    },
  };
}

const passing = (chunks: StoredChunk[], filter: FilterCondition[]) =>
  filter.length === 0 ? chunks : chunks.filter((chunk) => matchesFilter(filter, chunk.metadata));

/** BM25 of each chunk for the query's words over the whole collection; null for a chunk with none of them. */
function keywordScorer(chunks: StoredChunk[], terms: string[]): (chunk: StoredChunk) => number | null {
  const corpus: CorpusStats = { chunks: chunks.length, terms: chunks.reduce((sum, chunk) => sum + chunk.length, 0) };
  const weights = new Map(terms.map((term) => [term, idf(chunks.filter((chunk) => chunk.frequencies.has(term)).length, corpus)]));
  return (chunk) => {
    let score: number | null = null;
    for (const [term, weight] of weights) {
      const frequency = chunk.frequencies.get(term);
      if (frequency !== undefined) score = (score ?? 0) + bm25Term(weight, frequency, chunk.length, corpus);
    }
    return score;
  };
}
