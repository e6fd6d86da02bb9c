/**
 * The pgvector store's SQL. A registry table lists the collections (per account and name: the table
 * that holds it, its dimensions, its chunk and word totals for BM25); each collection is a table of
 * its own, so its `vector(n)` column can carry an HNSW index (cosine distance) and its `words`
 * tsvector a GIN index.
 */
import type { FilterCondition } from "../capabilities/kv-query";
import { BM25_B, BM25_K1 } from "../capabilities/vectors-text";
import { filterClause, type Sql } from "./kv";

export const REGISTRY = "flowrunner_vector_collections";

export const createRegistry = `CREATE TABLE IF NOT EXISTS ${REGISTRY} (account_id text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL, table_name text NOT NULL, dimensions integer NOT NULL,
  chunks bigint NOT NULL DEFAULT 0, terms bigint NOT NULL DEFAULT 0, PRIMARY KEY (account_id, collection))`;

/**
 * The collection's table. `words` holds its distinct words as lexemes, given as they are (the
 * tokenizer of vectors-text.ts, not PostgreSQL's), `frequencies` how often each occurs, `term_count`
 * how many words the text has: what BM25 needs.
 */
export const createCollection = (table: string, dimensions: number): string[] => [
  `CREATE TABLE IF NOT EXISTS ${table} (document_id text COLLATE "C" NOT NULL, chunk_id text COLLATE "C" NOT NULL,
    position integer NOT NULL, text text NOT NULL, metadata jsonb NOT NULL, embedding vector(${dimensions}) NOT NULL,
    words tsvector NOT NULL, frequencies jsonb NOT NULL, term_count integer NOT NULL, PRIMARY KEY (document_id, chunk_id))`,
  `CREATE INDEX IF NOT EXISTS ${table}_embedding ON ${table} USING hnsw (embedding vector_cosine_ops)`,
  `CREATE INDEX IF NOT EXISTS ${table}_words ON ${table} USING gin (words)`,
];

/** A vector as pgvector's text input. */
export const vectorText = (vector: readonly number[]): string => `[${vector.join(",")}]`;

/** Numbered parameters, as the driver takes them. */
export function params(): { values: unknown[]; param: (value: unknown) => string } {
  const values: unknown[] = [];
  return { values, param: (value) => (values.push(value), `$${values.length}`) };
}

/** The metadata filter as a WHERE condition ("true" for none), with the key-value store's operators. */
export function whereFilter(conditions: FilterCondition[], param: (value: unknown) => string): string {
  if (conditions.length === 0) return "true";
  return conditions.map(({ path, op, operand }) => filterClause(`(metadata #> ${param(path)}::text[])`, op, operand, param)).join(" AND ");
}

/**
 * The nearest chunks by cosine distance, ascending, so the HNSW index serves the ORDER BY (a test
 * checks the plan): score = 1 - distance.
 */
export function nearestSql(table: string, vector: readonly number[], depth: number, filter: FilterCondition[]): Sql {
  const { values, param } = params();
  const query = `${param(vectorText(vector))}::vector`;
  const where = whereFilter(filter, param);
  return {
    text: `SELECT document_id, chunk_id, 1 - (embedding <=> ${query}) AS score FROM ${table} WHERE ${where} ORDER BY embedding <=> ${query} LIMIT ${param(depth)}`,
    values,
  };
}

/**
 * BM25 of the chunks holding any of the words, best first: the formula of vectors-text.ts over the
 * collection's totals (`chunks`, `terms` from the registry), each word's chunk count found through
 * the GIN index.
 */
export function bm25Sql(
  table: string,
  terms: string[],
  corpus: { chunks: number; terms: number },
  depth: number,
  filter: FilterCondition[],
): Sql {
  const { values, param } = params();
  const words = param(terms);
  const any = param(terms.map((term) => `'${term}'`).join(" | "));
  const chunks = param(corpus.chunks);
  const average = param(corpus.chunks === 0 ? 1 : corpus.terms / corpus.chunks);
  const where = whereFilter(filter, param);
  return {
    text: `WITH found AS (
        SELECT term, (SELECT count(*) FROM ${table} WHERE words @@ term::tsquery)::float8 AS n FROM unnest(${words}::text[]) AS term),
      weights AS (SELECT term, GREATEST(ln((${chunks}::float8 - n + 0.5) / (n + 0.5)), 0) AS w FROM found)
      SELECT c.document_id, c.chunk_id,
        sum(CASE WHEN weights.w > 0 THEN weights.w ELSE 1e-6 END * tf.n * ${BM25_K1 + 1}
          / (tf.n + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * c.term_count / ${average}::float8))) AS score
      FROM ${table} c CROSS JOIN weights CROSS JOIN LATERAL (SELECT (c.frequencies ->> weights.term)::float8 AS n) tf
      WHERE c.words @@ ${any}::tsquery AND tf.n IS NOT NULL AND ${where}
      GROUP BY c.document_id, c.chunk_id ORDER BY score DESC, c.document_id, c.chunk_id LIMIT ${param(depth)}`,
    values,
  };
}

/** The chunks named by (document id, chunk id) pairs, with what a match shows. */
export function detailsSql(table: string, keys: { documentId: string; id: string }[]): Sql {
  return {
    text: `SELECT c.document_id, c.chunk_id, c.text, c.metadata FROM ${table} c
      JOIN unnest($1::text[], $2::text[]) AS k(document_id, chunk_id) ON c.document_id = k.document_id AND c.chunk_id = k.chunk_id`,
    values: [keys.map((key) => key.documentId), keys.map((key) => key.id)],
  };
}

/** Rows of one document's chunks: nine parameters a chunk. */
export function insertSql(
  table: string,
  documentId: string,
  chunks: { id: string; text: string; vector: readonly number[]; metadataJson: string; terms: string[] }[],
): Sql {
  const { values, param } = params();
  const rows = chunks.map((chunk, position) => {
    const frequencies: Record<string, number> = {};
    for (const term of chunk.terms) frequencies[term] = (frequencies[term] ?? 0) + 1;
    return `(${param(documentId)}, ${param(chunk.id)}, ${param(position)}, ${param(chunk.text)}, ${param(chunk.metadataJson)}::jsonb, ${param(
      vectorText(chunk.vector),
    )}::vector, array_to_tsvector(${param(Object.keys(frequencies))}::text[]), ${param(JSON.stringify(frequencies))}::jsonb, ${param(chunk.terms.length)})`;
  });
  return {
    text: `INSERT INTO ${table} (document_id, chunk_id, position, text, metadata, embedding, words, frequencies, term_count) VALUES ${rows.join(", ")}`,
    values,
  };
}
