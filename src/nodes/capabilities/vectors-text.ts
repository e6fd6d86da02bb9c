/**
 * The ranking rules every vector store shares, so the same corpus ranks the same everywhere: the
 * words keyword search sees, BM25 over them, and reciprocal rank fusion for hybrid search.
 */
import { compareUtf8 } from "./kv";

/** Words longer than this are left out (PostgreSQL's full-text search refuses very long ones too). */
export const MAX_TERM_CHARS = 64;

/**
 * The words of a text: runs of letters and digits, lower-cased, accents removed. Providers index the
 * words joined by spaces rather than the raw text, so SQLite FTS5 and PostgreSQL see exactly these.
 */
export function tokenize(text: string): string[] {
  const words =
    text
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((word) => word.length <= MAX_TERM_CHARS);
}

/** BM25's parameters: those of SQLite FTS5's bm25(), which the embedded store runs. */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;
/** FTS5 gives a word found in more than half the chunks this weight instead of a negative one. */
const MIN_IDF = 1e-6;

/** A collection's totals, as BM25 needs them. */
export interface CorpusStats {
  chunks: number;
  /** Words of every chunk together. */
  terms: number;
}

/** The inverse document frequency of a word found in `found` of the collection's chunks. */
export function idf(found: number, corpus: CorpusStats): number {
  const value = Math.log((corpus.chunks - found + 0.5) / (found + 0.5));
  return value > 0 ? value : MIN_IDF;
}

/** One query word's share of a chunk's BM25 score: it occurs `frequency` times in a chunk of `length` words. */
export function bm25Term(weight: number, frequency: number, length: number, corpus: CorpusStats): number {
  const average = corpus.chunks === 0 ? 0 : corpus.terms / corpus.chunks;
  const norm = average === 0 ? 1 : 1 - BM25_B + (BM25_B * length) / average;
  return (weight * frequency * (BM25_K1 + 1)) / (frequency + BM25_K1 * norm);
}

/** The constant of reciprocal rank fusion: a chunk ranked r-th (from 1) in a list adds 1 / (RRF_K + r). */
export const RRF_K = 60;
/** The most a chunk can get, first in both lists: hybrid scores are divided by it, so they run 0 to 1. */
const RRF_MAX = 2 / (RRF_K + 1);

/** How many candidates each side of a hybrid query ranks before they are fused. */
export const hybridDepth = (k: number): number => Math.max(50, 2 * k);

/** A ranked candidate: `key` names it within the provider (a row id, a chunk). */
export interface Ranked<K> {
  key: K;
  score: number;
  documentId: string;
  id: string;
}

/** Best first; equal scores by document id, then chunk id (bytes), so every provider agrees. */
export function byScore<K>(a: Ranked<K>, b: Ranked<K>): number {
  return b.score - a.score || compareUtf8(a.documentId, b.documentId) || compareUtf8(a.id, b.id);
}

/** Fuses two rankings (each best first) by reciprocal rank fusion. */
export function fuse<K>(vector: Ranked<K>[], keyword: Ranked<K>[], keyOf: (key: K) => string): Ranked<K>[] {
  const fused = new Map<string, Ranked<K>>();
  for (const list of [vector, keyword]) {
    list.forEach((candidate, index) => {
      const name = keyOf(candidate.key);
      const share = 1 / (RRF_K + index + 1) / RRF_MAX;
      const seen = fused.get(name);
      if (seen) seen.score += share;
      else fused.set(name, { ...candidate, score: share });
    });
  }
  return [...fused.values()].sort(byScore);
}

/**
 * The answer of a query from its rankings (each best first, `depth` long): the mode's ranking, or both
 * fused; then `minScore` and `k`.
 */
export function finalRanking<K>(
  query: { mode: "vector" | "keyword" | "hybrid"; k: number; minScore: number },
  vector: Ranked<K>[],
  keyword: Ranked<K>[],
  keyOf: (key: K) => string,
): Ranked<K>[] {
  const ranked = query.mode === "vector" ? vector : query.mode === "keyword" ? keyword : fuse(vector, keyword, keyOf);
  return ranked.filter((candidate) => candidate.score >= query.minScore).slice(0, query.k);
}

/** How many candidates a ranking of this query needs. */
export const rankingDepth = (query: { mode: "vector" | "keyword" | "hybrid"; k: number }): number =>
  query.mode === "hybrid" ? hybridDepth(query.k) : query.k;

/**
 * Keeps the `size` best of a stream of scores without sorting them all: a bounded list kept in order,
 * cheap while `size` is small next to the stream (a query's k against a collection).
 */
export class TopScores {
  readonly keys: number[] = [];
  readonly scores: number[] = [];
  constructor(private readonly size: number) {}

  /** The score a candidate must beat to enter. */
  get floor(): number {
    return this.scores.length < this.size ? Number.NEGATIVE_INFINITY : this.scores[this.scores.length - 1]!;
  }

  offer(key: number, score: number): void {
    if (this.scores.length === this.size && score <= this.scores[this.scores.length - 1]!) return;
    let at = this.scores.length;
    while (at > 0 && this.scores[at - 1]! < score) at--;
    this.scores.splice(at, 0, score);
    this.keys.splice(at, 0, key);
    if (this.scores.length > this.size) {
      this.scores.pop();
      this.keys.pop();
    }
  }
}

/** The dot product of two vectors of one length (of unit vectors: their cosine similarity). */
export function dot(a: Float32Array, b: Float32Array, offset = 0): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[offset + i]!;
  return sum;
}
