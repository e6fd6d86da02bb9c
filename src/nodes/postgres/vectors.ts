/**
 * The pgvector store: an account's collections in the user's PostgreSQL (Neon or any server with the
 * `vector` extension), through the `postgres` node's plumbing. Each operation opens one connection,
 * does its work (a write in one transaction) and closes it. See vectors-sql.ts for the tables.
 */
import { sha256Hex } from "../../lib/crypto";
import type { JsonObject } from "../../lib/json";
import {
  checkCollection,
  checkDocumentId,
  collectionFull,
  deleteFilter,
  dimensionMismatch,
  prepareChunks,
  prepareQuery,
  type VectorCollection,
  type VectorLimits,
} from "../capabilities/vectors";
import { byScore, finalRanking, rankingDepth, type Ranked } from "../capabilities/vectors-text";
import type { Session } from "./session";
import { bm25Sql, createCollection, createRegistry, detailsSql, insertSql, nearestSql, params, REGISTRY, whereFilter } from "./vectors-sql";

/** HNSW indexes `vector` columns of at most 2,000 dimensions. */
export const PGVECTOR_LIMITS: VectorLimits = { maxDimensions: 2000, maxCollectionValues: Number.POSITIVE_INFINITY };

/**
 * Candidates the HNSW index gathers per query (pgvector's default is 40): on random vectors of 384
 * dimensions, recall@10 against the exact scan measured 0.72 at 40 and 0.96 at 100 (`npm run bench`).
 */
export const HNSW_EF_SEARCH = 100;

/** Runs work on one open connection, closing it after. */
export type OpenSession = <T>(work: (session: Session) => Promise<T>) => Promise<T>;

interface Entry {
  table: string;
  dimensions: number;
  chunks: number;
  terms: number;
}

const UNDEFINED_TABLE = "42P01";
const code = (error: unknown) => (error as { code?: unknown }).code;

export function pgvectorCollection(accountId: string, collection: string, open: OpenSession, limits = PGVECTOR_LIMITS): VectorCollection {
  checkCollection(collection);
  const tableName = async () => `flowrunner_vectors_${(await sha256Hex(`${accountId}:${collection}`)).slice(0, 24)}`;

  /** The collection's registry row; null when it was never written (or no collection ever was). */
  const entry = async (session: Session, lock = false): Promise<Entry | null> => {
    try {
      const { rows } = await session.run({
        text: `SELECT table_name, dimensions, chunks, terms FROM ${REGISTRY} WHERE account_id = $1 AND collection = $2${lock ? " FOR UPDATE" : ""}`,
        values: [accountId, collection],
      });
      const row = rows[0] as { table_name: string; dimensions: number; chunks: string | number; terms: string | number } | undefined;
      return row === undefined
        ? null
        : { table: row.table_name, dimensions: row.dimensions, chunks: Number(row.chunks), terms: Number(row.terms) };
    } catch (error) {
      if (code(error) === UNDEFINED_TABLE) return null;
      throw error;
    }
  };

  /** Runs `work` in a transaction, rolled back when it throws. */
  const transaction = async <T>(session: Session, work: () => Promise<T>): Promise<T> => {
    await session.run({ text: "BEGIN", values: [] });
    try {
      const result = await work();
      await session.run({ text: "COMMIT", values: [] });
      return result;
    } catch (error) {
      await session.run({ text: "ROLLBACK", values: [] }).catch(() => undefined);
      throw error;
    }
  };

  const adjust = (session: Session, chunks: number, terms: number) =>
    session.run({
      text: `UPDATE ${REGISTRY} SET chunks = chunks + $3, terms = terms + $4 WHERE account_id = $1 AND collection = $2`,
      values: [accountId, collection, chunks, terms],
    });

  /** Makes the registry row and the table for these dimensions, or resizes an empty collection; answers the locked entry. */
  const ensure = async (session: Session, dimensions: number): Promise<Entry> => {
    let found = await entry(session, true);
    if (found === null) {
      const table = await tableName();
      await session.run({
        text: `INSERT INTO ${REGISTRY} (account_id, collection, table_name, dimensions) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        values: [accountId, collection, table, dimensions],
      });
      found = (await entry(session, true))!;
      for (const text of createCollection(found.table, found.dimensions)) await session.run({ text, values: [] });
    }
    if (found.dimensions !== dimensions) {
      if (found.chunks > 0) throw dimensionMismatch(found.dimensions, dimensions);
      await session.run({ text: `DROP TABLE IF EXISTS ${found.table}`, values: [] });
      for (const text of createCollection(found.table, dimensions)) await session.run({ text, values: [] });
      await session.run({
        text: `UPDATE ${REGISTRY} SET dimensions = $3, terms = 0 WHERE account_id = $1 AND collection = $2`,
        values: [accountId, collection, dimensions],
      });
      found = { ...found, dimensions, terms: 0 };
    }
    return found;
  };

  return {
    async upsertDocument(documentId, given) {
      checkDocumentId(documentId);
      const { chunks, dimensions } = prepareChunks(given, limits);
      const terms = chunks.reduce((sum, chunk) => sum + chunk.terms.length, 0);
      return open(async (session) => {
        await session.run({ text: createRegistry, values: [] }).catch((error: unknown) => {
          // Two first writers at once: one creates the table, the other's CREATE meets its type row.
          if (code(error) !== "23505" && code(error) !== "42P07") throw error;
        });
        return transaction(session, async () => {
          const found = await ensure(session, dimensions);
          const { rows } = await session.run({
            text: `DELETE FROM ${found.table} WHERE document_id = $1 RETURNING term_count`,
            values: [documentId],
          });
          const replaced = rows.length;
          if ((found.chunks - replaced + chunks.length) * dimensions > limits.maxCollectionValues) {
            throw collectionFull(limits.maxCollectionValues, dimensions);
          }
          await session.run(insertSql(found.table, documentId, chunks));
          const removedTerms = (rows as { term_count: number }[]).reduce((sum, row) => sum + row.term_count, 0);
          await adjust(session, chunks.length - replaced, terms - removedTerms);
          return { chunks: chunks.length, replaced };
        });
      });
    },

    async query(given) {
      const query = prepareQuery(given, limits);
      return open(async (session) => {
        const found = await entry(session);
        if (found === null || found.chunks === 0) return [];
        if (query.unit !== null && query.unit.length !== found.dimensions) throw dimensionMismatch(found.dimensions, query.unit.length);
        const depth = rankingDepth(query);
        const ranked = async (sql: { text: string; values: unknown[] }): Promise<Ranked<string>[]> => {
          const { rows } = await session.run(sql);
          return (rows as { document_id: string; chunk_id: string; score: number }[])
            .map((row) => ({
              key: `${row.document_id}\u0000${row.chunk_id}`,
              score: Number(row.score),
              documentId: row.document_id,
              id: row.chunk_id,
            }))
            .sort(byScore);
        };
        let vector: Ranked<string>[] = [];
        if (query.vector !== null) {
          // Enough candidates from the index for the ranking; with a filter, the scan goes on until they pass (pgvector 0.8).
          await session.run({
            text: "SELECT set_config('hnsw.ef_search', $1, false), set_config('hnsw.iterative_scan', $2, false)",
            values: [String(Math.max(HNSW_EF_SEARCH, depth)), query.filter.length === 0 ? "off" : "strict_order"],
          });
          vector = await ranked(nearestSql(found.table, query.vector, depth, query.filter));
        }
        const keyword =
          query.terms === null || query.terms.length === 0
            ? []
            : await ranked(bm25Sql(found.table, query.terms, found, depth, query.filter));
        const best = finalRanking(query, vector, keyword, (key) => key);
        if (best.length === 0) return [];
        const { rows } = await session.run(detailsSql(found.table, best));
        const details = new Map(
          (rows as { document_id: string; chunk_id: string; text: string; metadata: JsonObject }[]).map((row) => [
            `${row.document_id}\u0000${row.chunk_id}`,
            row,
          ]),
        );
        return best.map(({ key, score }) => {
          const row = details.get(key)!;
          return { id: row.chunk_id, document_id: row.document_id, text: row.text, score, metadata: row.metadata };
        });
      });
    },

    async delete(target) {
      const byDocument = "documentId" in target;
      if (byDocument) checkDocumentId(target.documentId);
      const conditions = byDocument ? [] : deleteFilter(target.filter);
      return open(async (session) => {
        const found = await entry(session);
        if (found === null) return { documents: 0, chunks: 0 };
        return transaction(session, async () => {
          const { values, param } = params();
          const where = byDocument ? `document_id = ${param(target.documentId)}` : whereFilter(conditions, param);
          const { rows } = await session.run({
            text: `DELETE FROM ${found.table} WHERE ${where} RETURNING document_id, term_count`,
            values,
          });
          const deleted = rows as { document_id: string; term_count: number }[];
          if (deleted.length > 0) await adjust(session, -deleted.length, -deleted.reduce((sum, row) => sum + row.term_count, 0));
          return { documents: new Set(deleted.map((row) => row.document_id)).size, chunks: deleted.length };
        });
      });
    },

    async stats() {
      return open(async (session) => {
        const found = await entry(session);
        if (found === null || found.chunks === 0) return { documents: 0, chunks: 0, dimensions: null };
        const { rows } = await session.run({
          text: `SELECT count(DISTINCT document_id)::int AS documents FROM ${found.table}`,
          values: [],
        });
        return { documents: (rows[0] as { documents: number }).documents, chunks: found.chunks, dimensions: found.dimensions };
      });
    },
  };
}
