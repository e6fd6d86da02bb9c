/**
 * The "RAG" suite of `npm run bench` (see scripts/bench.mjs for the suite contract): the vector stores.
 *
 * Embedded store: bench/rag/index.ts under `wrangler dev` runs the product's VectorObject and calls it
 * over RPC as `ctx.vectors` does; the Worker makes the corpus (chunks of 384 dimensions and 40 words).
 *   - ingest: chunks per second, loading in requests of 1,000 chunks (10 documents of 100);
 *   - query time at 10,000 and 100,000 chunks, per mode: each query is timed
 *     from here, and the median of a `ping` to the same object (a round trip doing no work) is
 *     subtracted, since workerd's clock does not advance during the scan. Target: ≤ 50 ms p50 at
 *     10,000 chunks for a vector query.
 * pgvector: see pgvector.mjs (recall@10 of HNSW against the exact scan, on PGlite in this process).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { load1, stats } from "../engine/load.mjs";
import { build, prepare, startServer } from "../engine/servers.mjs";
import { measureRecall } from "./pgvector.mjs";

export const name = "RAG: the vector stores' capacity";

const here = path.dirname(fileURLToPath(import.meta.url));
const PLANS = {
  full: { sizes: [10_000, 100_000], queries: 40, recall: { chunks: 10_000, queries: 50 } },
  // Quick (the CI smoke run) stops at the target's size; the full run measures 100,000 chunks too.
  quick: { sizes: [10_000], queries: 8, recall: { chunks: 2_000, queries: 20 } },
};
const DIMS = 384;
const BATCH = 1000;
const MODES = [
  { id: "vector", label: "vector, k 10", query: "mode=vector&k=10" },
  { id: "filtered", label: "vector, k 10, filter on metadata (1 chunk in 10 passes)", query: "mode=vector&k=10&filter=1" },
  { id: "keyword", label: "keyword (BM25, 5 words), k 10", query: "mode=keyword&k=10" },
  { id: "hybrid", label: "hybrid (both, fused), k 10", query: "mode=hybrid&k=10" },
];
const TARGET_MS = 50;

let t0 = performance.now();
const log = (message) => console.error(`bench/rag [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

async function call(base, route) {
  const started = performance.now();
  const response = await fetch(`${base}${route}`, { method: route.startsWith("/load") ? "POST" : "GET" });
  const body = await response.json();
  const ms = performance.now() - started;
  if (!response.ok || body.ok === false) throw new Error(`${route}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, body };
}

async function ingest(base, collection, size) {
  const started = performance.now();
  for (let from = 0; from < size; from += BATCH)
    await call(base, `/load?collection=${collection}&from=${from}&count=${BATCH}&dims=${DIMS}`);
  const seconds = (performance.now() - started) / 1000;
  return { chunks: size, seconds: Number(seconds.toFixed(1)), perSecond: Math.round(size / seconds) };
}

async function queries(base, collection, mode, count) {
  const pings = [];
  const samples = [];
  for (let i = 0; i < 3; i++) await call(base, `/query?collection=${collection}&${mode.query}&seed=${1000 + i}&dims=${DIMS}`);
  for (let i = 0; i < count; i++) {
    pings.push((await call(base, `/ping?collection=${collection}`)).ms);
    samples.push((await call(base, `/query?collection=${collection}&${mode.query}&seed=${i}&dims=${DIMS}`)).ms);
  }
  const floor = stats(pings).p50;
  return { raw: stats(samples), floor, net: stats(samples.map((ms) => Math.max(0, ms - floor))) };
}

export async function run({ quick }) {
  t0 = performance.now();
  const plan = quick ? PLANS.quick : PLANS.full;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-rag-"));
  const failures = [];
  const rows = [];
  const ingests = [];
  let server;
  try {
    const prepared = await build(await prepare("bench-rag", path.join(here, "wrangler.toml"), path.join(tmp, "rag")));
    server = await startServer(prepared);
    log("bench-rag ready");
    for (const size of plan.sizes) {
      const collection = `c${size}`;
      const loaded = await ingest(server.url, collection, size);
      ingests.push(loaded);
      log(`${size} chunks loaded in ${loaded.seconds} s (${loaded.perSecond} chunks/s)`);
      for (const mode of MODES) {
        const measured = await queries(server.url, collection, mode, plan.queries);
        rows.push({ chunks: size, mode: mode.id, label: mode.label, ...measured });
        log(`${size} chunks, ${mode.id}: p50 ${measured.net.p50} ms net (${measured.raw.p50} ms raw, round trip ${measured.floor} ms)`);
      }
    }
    if (server.reloads() > 0) failures.push("wrangler dev reloaded during the measurement");
  } catch (error) {
    failures.push(String(error?.message ?? error));
  } finally {
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  }

  let recall = null;
  try {
    recall = await measureRecall(plan.recall);
    log(`pgvector recall@10 of HNSW: ${recall.recall} over ${recall.queries} queries at ${recall.chunks} chunks`);
  } catch (error) {
    failures.push(`pgvector: ${String(error?.message ?? error)}`);
  }

  const at10k = rows.find((r) => r.chunks === 10_000 && r.mode === "vector");
  const targets = at10k
    ? [
        {
          target: "embedded vector query p50 at 10,000 chunks of 384 dimensions",
          limit: TARGET_MS,
          value: at10k.net.p50,
          unit: "ms",
          met: at10k.net.p50 <= TARGET_MS,
        },
      ]
    : [];
  const markdown = [
    "The embedded store: the product's `VectorObject` under one `wrangler dev`, called over RPC by a bench Worker",
    `(\`bench/rag/index.ts\`) that makes the corpus: chunks of ${DIMS} dimensions and 40 words, metadata \`{group, n}\`.`,
    `Each query is timed from the client; the p50 of a no-op call to the same object (the round trip) is subtracted. ${plan.queries} queries per row.`,
    "",
    "| chunks | query | p50 ms | p90 ms | max ms | p50 with the round trip |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.chunks.toLocaleString("en")} | ${r.label} | ${r.net.p50} | ${r.net.p90} | ${r.net.max} | ${r.raw.p50} |`),
    "",
    ...ingests.map(
      (i) =>
        `- Ingest: ${i.chunks.toLocaleString("en")} chunks in ${i.seconds} s, **${i.perSecond} chunks/s** (requests of ${BATCH} chunks, documents of 100).`,
    ),
    ...(recall
      ? [
          `- pgvector (PGlite ${recall.pglite}, pgvector ${recall.pgvector}, in process): **recall@10 of the HNSW index = ${recall.recall}** against the exact scan, over ${recall.queries} queries on ${recall.chunks.toLocaleString("en")} random vectors of ${DIMS} dimensions (m ${recall.m}, ef_construction ${recall.efConstruction}, ef_search ${recall.efSearch}); the HNSW query took ${recall.hnswMs} ms p50 and the exact one ${recall.exactMs} ms p50 (WebAssembly PostgreSQL, not a server's figures).`,
        ]
      : []),
  ].join("\n");
  return { name, rows, targets, failures, markdown, raw: { rows, ingests, recall } };
}
