/** What bench/rag/pgvector.mjs runs in Node: the product's pgvector store and its nearest-first SQL. */
export { HNSW_EF_SEARCH, pgvectorCollection } from "../../src/nodes/postgres/vectors";
export { nearestSql, REGISTRY } from "../../src/nodes/postgres/vectors-sql";
