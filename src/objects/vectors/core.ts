/**
 * One vector collection (an account's, by name) in a Durable Object's SQLite storage. Every method is
 * synchronous, so the object runs each whole before the next; a write runs in one transaction, so a
 * failure part-way leaves the collection as it was.
 *
 * Layout: `chunks` holds the text and metadata (text last, so reading the metadata of a long chunk
 * stops before its overflow pages); `vectors` holds each chunk's unit vector as a Float32 blob, apart,
 * so the exact scan of a query reads vectors only, packed densely; `words` is an FTS5 index over the
 * chunk's words (vectors-text.ts `tokenize`, joined by spaces), whose bm25() is the keyword score.
 * The three share the chunk's `seq`.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonObject, JsonValue } from "../../lib/json";
import type { KeyValueFilter } from "../../nodes/capabilities/kv";
import { matchesFilter, type FilterCondition } from "../../nodes/capabilities/kv-query";
import {
  checkDocumentId,
  collectionFull,
  deleteFilter,
  dimensionMismatch,
  prepareChunks,
  prepareQuery,
  type SearchMode,
  type VectorChunk,
  type VectorLimits,
  type VectorStats,
} from "../../nodes/capabilities/vectors";
import { dot, finalRanking, rankingDepth, TopScores, type Ranked } from "../../nodes/capabilities/vectors-text";
import type { WireChunk, WireMatch, WireQuery } from "../../services/vectors-rpc";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chunks (seq INTEGER PRIMARY KEY, document_id TEXT NOT NULL, chunk_id TEXT NOT NULL,
  position INTEGER NOT NULL, metadata TEXT NOT NULL, text TEXT NOT NULL, UNIQUE (document_id, chunk_id));
CREATE TABLE IF NOT EXISTS vectors (seq INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(terms, content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0');
`;

/** Runs `work` in one SQLite transaction, rolled back when it throws (DurableObjectStorage.transactionSync). */
export type Transaction = <T>(work: () => T) => T;

/**
 * Values (chunks × dimensions) the object keeps in memory between queries: 32 MiB of Float32, e.g.
 * 20,000 chunks of 384 dimensions. Reading every vector from SQLite costs a few microseconds a row
 * (each crosses into JavaScript as a new buffer); from memory the scan is the dot products alone. A
 * larger collection is read from SQLite at each query.
 */
export const MATRIX_CACHE_VALUES = 8 * 1024 * 1024;

/** Every vector of the collection in one buffer, in `seq` order. */
interface Matrix {
  seqs: Float64Array;
  data: Float32Array;
  dimensions: number;
}

export class VectorCore {
  /** Dropped by every write, loaded again by the next query. */
  private matrix: Matrix | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: Transaction,
    private readonly limits: VectorLimits,
    private readonly cacheValues = MATRIX_CACHE_VALUES,
  ) {
    sql.exec(SCHEMA);
  }

  upsert(documentId: string, wire: WireChunk[]): { chunks: number; replaced: number } {
    checkDocumentId(documentId);
    const { chunks, dimensions } = prepareChunks(wireChunks(wire), this.limits);
    const current = this.dimensions();
    const total = this.count();
    if (current !== null && total > 0 && current !== dimensions) throw dimensionMismatch(current, dimensions);
    const old = this.sql.exec("SELECT seq FROM chunks WHERE document_id = ?", documentId).toArray();
    if ((total - old.length + chunks.length) * dimensions > this.limits.maxCollectionValues) {
      throw collectionFull(this.limits.maxCollectionValues, dimensions);
    }
    this.matrix = null;
    this.transaction(() => {
      for (const { seq } of old) this.removeSeq(Number(seq));
      chunks.forEach((chunk, position) => {
        const { seq } = this.sql
          .exec(
            "INSERT INTO chunks (document_id, chunk_id, position, metadata, text) VALUES (?, ?, ?, ?, ?) RETURNING seq",
            documentId,
            chunk.id,
            position,
            chunk.metadataJson,
            chunk.text,
          )
          .one();
        this.sql.exec("INSERT INTO vectors (seq, vector) VALUES (?, ?)", seq, chunk.unit.buffer);
        this.sql.exec("INSERT INTO words (rowid, terms) VALUES (?, ?)", seq, chunk.terms.join(" "));
      });
    });
    return { chunks: chunks.length, replaced: old.length };
  }

  query(wire: WireQuery): WireMatch[] {
    const query = prepareQuery(wireQuery(wire), this.limits);
    const dimensions = this.dimensions();
    if (dimensions === null) return [];
    if (query.unit !== null && query.unit.length !== dimensions) throw dimensionMismatch(dimensions, query.unit.length);
    const allowed = query.filter.length === 0 ? null : this.passing(query.filter);
    const depth = rankingDepth(query);
    const vector = query.unit === null ? [] : this.byVector(query.unit, depth, allowed);
    const keyword = query.terms === null ? [] : this.byWords(query.terms, depth, allowed);
    const ranked = finalRanking(query, vector, keyword, String);
    const rows = this.rows(
      ranked.map((r) => r.key),
      "seq, document_id, chunk_id, metadata, text",
    );
    return ranked.map(({ key, score }) => {
      const row = rows.get(key)!;
      return {
        id: String(row.chunk_id),
        document_id: String(row.document_id),
        text: String(row.text),
        score,
        metadata: String(row.metadata),
      };
    });
  }

  remove(documentId: string | null, filterJson: string | null): { documents: number; chunks: number } {
    let seqs: number[];
    if (documentId !== null) {
      checkDocumentId(documentId);
      seqs = this.sql
        .exec("SELECT seq FROM chunks WHERE document_id = ?", documentId)
        .toArray()
        .map((row) => Number(row.seq));
    } else {
      seqs = [...this.passing(deleteFilter(parseFilter(filterJson)))];
    }
    if (seqs.length === 0) return { documents: 0, chunks: 0 };
    const documents = new Set([...this.rows(seqs, "seq, document_id").values()].map((row) => String(row.document_id))).size;
    this.matrix = null;
    this.transaction(() => {
      for (const seq of seqs) this.removeSeq(seq);
    });
    return { documents, chunks: seqs.length };
  }

  stats(): VectorStats {
    const row = this.sql.exec("SELECT COUNT(*) AS chunks, COUNT(DISTINCT document_id) AS documents FROM chunks").one();
    return { documents: Number(row.documents), chunks: Number(row.chunks), dimensions: this.dimensions() };
  }

  /** The exact scan: every vector's dot product with the query's, keeping the best `depth`. */
  private byVector(unit: Float32Array, depth: number, allowed: Set<number> | null): Ranked<number>[] {
    const top = new TopScores(depth);
    const matrix = this.loadMatrix(unit.length);
    if (matrix !== null) {
      const { seqs, data } = matrix;
      for (let i = 0; i < seqs.length; i++) {
        if (allowed !== null && !allowed.has(seqs[i]!)) continue;
        top.offer(seqs[i]!, dot(unit, data, i * unit.length));
      }
    } else {
      for (const [seq, vector] of this.sql.exec<{ seq: number; vector: ArrayBuffer }>("SELECT seq, vector FROM vectors").raw()) {
        if (allowed !== null && !allowed.has(seq as number)) continue;
        top.offer(seq as number, dot(unit, new Float32Array(vector as ArrayBuffer)));
      }
    }
    return this.ranked(top.keys, top.scores);
  }

  /** The vectors in memory, read once after each write; null when the collection is over the budget. */
  private loadMatrix(dimensions: number): Matrix | null {
    if (this.matrix?.dimensions === dimensions) return this.matrix;
    const count = this.count();
    if (count * dimensions > this.cacheValues) return null;
    const seqs = new Float64Array(count);
    const data = new Float32Array(count * dimensions);
    let i = 0;
    for (const [seq, vector] of this.sql.exec<{ seq: number; vector: ArrayBuffer }>("SELECT seq, vector FROM vectors").raw()) {
      seqs[i] = seq as number;
      data.set(new Float32Array(vector as ArrayBuffer), i * dimensions);
      i++;
    }
    this.matrix = { seqs, data, dimensions };
    return this.matrix;
  }

  /** FTS5's ranking by bm25() (negative: lower is better), best first, `depth` of those the filter lets through. */
  private byWords(terms: string[], depth: number, allowed: Set<number> | null): Ranked<number>[] {
    if (terms.length === 0) return [];
    const match = terms.map((term) => `"${term}"`).join(" OR ");
    const keys: number[] = [];
    const scores: number[] = [];
    for (const row of this.sql.exec("SELECT rowid AS seq, bm25(words) AS rank FROM words WHERE words MATCH ? ORDER BY rank", match)) {
      const seq = Number(row.seq);
      if (allowed !== null && !allowed.has(seq)) continue;
      keys.push(seq);
      scores.push(-Number(row.rank));
      if (keys.length === depth) break;
    }
    return this.ranked(keys, scores);
  }

  private ranked(keys: number[], scores: number[]): Ranked<number>[] {
    const rows = this.rows(keys, "seq, document_id, chunk_id");
    return keys.map((key, i) => ({
      key,
      score: scores[i]!,
      documentId: String(rows.get(key)!.document_id),
      id: String(rows.get(key)!.chunk_id),
    }));
  }

  /** Chunks whose metadata meets the filter. */
  private passing(filter: FilterCondition[]): Set<number> {
    const allowed = new Set<number>();
    for (const row of this.sql.exec("SELECT seq, metadata FROM chunks")) {
      if (matchesFilter(filter, JSON.parse(String(row.metadata)) as JsonValue)) allowed.add(Number(row.seq));
    }
    return allowed;
  }

  private rows(seqs: number[], columns: string): Map<number, Record<string, SqlStorageValue>> {
    const found = new Map<number, Record<string, SqlStorageValue>>();
    // Bound parameters per statement stay well under SQLite's limit.
    for (let at = 0; at < seqs.length; at += 500) {
      const part = seqs.slice(at, at + 500);
      const sql = `SELECT ${columns} FROM chunks WHERE seq IN (${part.map(() => "?").join(", ")})`;
      for (const row of this.sql.exec(sql, ...part)) found.set(Number(row.seq), row);
    }
    return found;
  }

  private removeSeq(seq: number): void {
    this.sql.exec("DELETE FROM chunks WHERE seq = ?", seq);
    this.sql.exec("DELETE FROM vectors WHERE seq = ?", seq);
    this.sql.exec("DELETE FROM words WHERE rowid = ?", seq);
  }

  /** From any stored vector: 4 bytes a dimension; null while the collection is empty. */
  private dimensions(): number | null {
    const row = this.sql.exec("SELECT length(vector) AS bytes FROM vectors LIMIT 1").toArray()[0];
    return row === undefined ? null : Number(row.bytes) / 4;
  }

  private count(): number {
    return Number(this.sql.exec("SELECT COUNT(*) AS n FROM chunks").one().n);
  }
}

const invalid = (code: string, message: string) => new NodeError(code, message, null, false);

function parseJson(text: string, code: string, what: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw invalid(code, `${what} is not JSON`);
  }
}

function wireChunks(wire: WireChunk[]): VectorChunk[] {
  if (!Array.isArray(wire)) return wire;
  return wire.map((chunk) => ({
    id: chunk.id,
    text: chunk.text,
    vector: ArrayBuffer.isView(chunk.vector) ? Array.from(chunk.vector) : chunk.vector,
    metadata: parseJson(chunk.metadata, "invalid_chunk", `The metadata of chunk '${chunk.id}'`) as JsonObject,
  }));
}

function parseFilter(json: string | null): KeyValueFilter {
  return json === null ? {} : (parseJson(json, "invalid_filter", "The filter") as KeyValueFilter);
}

function wireQuery(wire: WireQuery): Parameters<typeof prepareQuery>[0] {
  return {
    ...(wire.vector === null ? {} : { vector: wire.vector }),
    ...(wire.text === null ? {} : { text: wire.text }),
    ...(wire.k === null ? {} : { k: wire.k }),
    ...(wire.minScore === null ? {} : { minScore: wire.minScore }),
    ...(wire.filter === null ? {} : { filter: parseFilter(wire.filter) }),
    ...(wire.mode === null ? {} : { mode: wire.mode as SearchMode }),
  };
}
