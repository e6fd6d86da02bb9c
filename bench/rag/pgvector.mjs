/**
 * Recall of pgvector's HNSW index against the exact scan, for the RAG suite (suite.mjs). The product's
 * pgvector store (bundled from src/ with esbuild) writes random unit vectors of 384 dimensions into
 * PGlite with its `vector` extension, in this process; then each query runs the store's own
 * nearest-first SQL twice: through the HNSW index (with the ef_search the store sets for k 10,
 * HNSW_EF_SEARCH), and with index scans turned off (the exact scan). recall@10 = the share of the exact top
 * 10 that the index found.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import * as esbuild from "esbuild";
import { stats } from "../engine/load.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIMS = 384;
const K = 10;

/** mulberry32, as the embedded bench's Worker uses. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomVector = (next) => Array.from({ length: DIMS }, () => next() * 2 - 1);

async function load() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-pgvector-"));
  const outfile = path.join(dir, "pgvector.mjs");
  await esbuild.build({
    entryPoints: [path.join(here, "pgvector-entry.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  const module = await import(pathToFileURL(outfile).href);
  await rm(dir, { recursive: true, force: true });
  return module;
}

/** `efSearch`: what the store sets for a query of k 10 (HNSW_EF_SEARCH) unless given. */
export async function measureRecall({ chunks, queries, efSearch: given }) {
  const { HNSW_EF_SEARCH, pgvectorCollection, nearestSql, REGISTRY } = await load();
  const efSearch = given ?? HNSW_EF_SEARCH;
  const db = await PGlite.create({ extensions: { vector } });
  try {
    await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
    const session = { run: (sql) => db.query(sql.text, sql.values) };
    const open = (work) => work(session);
    const docs = pgvectorCollection("acc_bench", "recall", open);
    const next = random(7);
    for (let start = 0; start < chunks; start += 100) {
      const batch = Array.from({ length: Math.min(100, chunks - start) }, (_, i) => ({
        id: `c${start + i}`,
        text: `chunk ${start + i}`,
        vector: randomVector(next),
      }));
      await docs.upsertDocument(`d${start / 100}`, batch);
    }
    const table = (await db.query(`SELECT table_name FROM ${REGISTRY}`)).rows[0].table_name;
    await db.exec("ANALYZE");
    let found = 0;
    const hnswMs = [];
    const exactMs = [];
    const plans = { hnsw: "", exact: "" };
    for (let q = 0; q < queries; q++) {
      const sql = nearestSql(table, randomVector(next), K, []);
      if (q === 0) {
        await db.exec(`SET enable_indexscan = on; SET enable_seqscan = off; SET hnsw.ef_search = ${efSearch}`);
        plans.hnsw = (await db.query(`EXPLAIN ${sql.text}`, sql.values)).rows.map((r) => r["QUERY PLAN"]).join("\n");
        await db.exec("SET enable_indexscan = off; SET enable_seqscan = on");
        plans.exact = (await db.query(`EXPLAIN ${sql.text}`, sql.values)).rows.map((r) => r["QUERY PLAN"]).join("\n");
        if (!plans.hnsw.includes("Index Scan") || plans.exact.includes("Index Scan"))
          throw new Error(`unexpected plans:\n${plans.hnsw}\n${plans.exact}`);
      }
      // The index, whatever the planner would pick for a table this small; then the exact scan.
      await db.exec(`SET enable_indexscan = on; SET enable_seqscan = off; SET hnsw.ef_search = ${efSearch}`);
      let t = performance.now();
      const approximate = (await db.query(sql.text, sql.values)).rows.map((r) => r.chunk_id);
      hnswMs.push(performance.now() - t);
      await db.exec("SET enable_indexscan = off; SET enable_seqscan = on");
      t = performance.now();
      const exact = (await db.query(sql.text, sql.values)).rows.map((r) => r.chunk_id);
      exactMs.push(performance.now() - t);
      found += exact.filter((id) => approximate.includes(id)).length;
    }
    const pkg = JSON.parse(await readFile(path.join(here, "..", "..", "node_modules", "@electric-sql", "pglite", "package.json"), "utf8"));
    const extversion = (await db.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0].extversion;
    return {
      chunks,
      queries,
      recall: Number((found / (queries * K)).toFixed(3)),
      hnswMs: stats(hnswMs).p50,
      exactMs: stats(exactMs).p50,
      m: 16,
      efConstruction: 64,
      efSearch,
      pglite: pkg.version,
      pgvector: extversion,
    };
  } finally {
    await db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [chunks = 2000, queries = 20, efSearch] = process.argv.slice(2).map(Number);
  console.log(await measureRecall({ chunks, queries, efSearch }));
}
