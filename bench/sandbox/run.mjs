#!/usr/bin/env node
/**
 * Sandbox and expression benchmark. Prints one JSON object, then a markdown table.
 *
 *   node bench/sandbox/run.mjs [--quick] [--node-only]
 *
 * It measures twice with the same source modules (bundled with esbuild):
 * - Node 22, in process: per-call p50/p99 with performance.now().
 * - workerd through Miniflare: clocks do not advance during synchronous work there, so each request
 *   is timed from Node and the median cost of a no-op request is subtracted. Per-call numbers from
 *   workerd therefore include request jitter; the batched mean (many calls in one request) is exact.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const WASM_IMPORT = "@jitl/quickjs-wasmfile-release-sync/wasm";
const wasmPath = require.resolve(WASM_IMPORT, { paths: [here] });
const quick = process.argv.includes("--quick");
const nodeOnly = process.argv.includes("--node-only");
const TARGETS = { snippetP50: 0.3, snippetP99: 2, fastPathUs: 5 };

async function bundle(entry, outfile, platform, wasmPlugin) {
  await esbuild.build({
    entryPoints: [path.join(here, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform,
    conditions: platform === "node" ? [] : ["workerd", "worker", "browser"],
    logLevel: "warning",
    plugins: [wasmPlugin],
  });
}

// Node cannot import a .wasm file as a module: give it one that compiles the bytes at load time.
const nodeWasm = {
  name: "quickjs-wasm-node",
  setup(build) {
    build.onResolve({ filter: /\/wasm$/ }, (args) =>
      args.path === WASM_IMPORT ? { path: wasmPath, namespace: "wasm-module" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => ({
      contents: `import { readFileSync } from "node:fs"; export default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}));`,
      loader: "js",
    }));
  },
};

// workerd takes the .wasm as a CompiledWasm module, exactly as wrangler deploys it.
const workerWasm = {
  name: "quickjs-wasm-workerd",
  setup(build) {
    build.onResolve({ filter: /\/wasm$/ }, (args) => (args.path === WASM_IMPORT ? { path: "./quickjs.wasm", external: true } : undefined));
  },
};

const round = (x, digits = 4) => Number(x.toFixed(digits));

async function runNode(dir) {
  const file = path.join(dir, "node-bench.mjs");
  await bundle("node-entry.ts", file, "node", nodeWasm);
  const { perCall, batched } = await import(pathToFileURL(file).href);
  const samples = quick ? 300 : 2000;
  return {
    snippet: await perCall("snippet", samples, quick ? 100 : 500),
    snippetAccount: await perCall("snippetAccount", samples, quick ? 100 : 500),
    expression: await perCall("expression", samples, quick ? 100 : 500),
    expressionAccount: await perCall("expressionAccount", samples, quick ? 100 : 500),
    params: await batched("params", quick ? 2000 : 20000, 20),
    fastPath: await batched("fastPath", quick ? 2000 : 20000, 20),
    fastPathCore: await batched("fastPathCore", quick ? 20000 : 200000, 20),
  };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: samples.length, p50: at(0.5), p99: at(0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

async function runWorkerd(dir) {
  const file = path.join(dir, "worker.mjs");
  await bundle("worker-entry.ts", file, "neutral", workerWasm);
  // The installed Miniflare (5.x) takes a new option shape; it still converts the v4 one.
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import("miniflare");
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new Log(LogLevel.ERROR),
      compatibilityDate: "2026-08-01",
      modulesRoot: dir,
      modules: [
        { type: "ESModule", path: path.join(dir, "worker.mjs"), contents: await readFile(file, "utf8") },
        { type: "CompiledWasm", path: path.join(dir, "quickjs.wasm"), contents: await readFile(wasmPath) },
      ],
    }),
  );
  const request = async (name, n) => {
    const start = performance.now();
    const res = await mf.dispatchFetch(`http://bench/?case=${name}&n=${n}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${name}: ${body}`);
    return performance.now() - start;
  };
  try {
    const reps = quick ? 150 : 600;
    for (const name of ["noop", "snippet", "expression", "params", "fastPath"]) for (let i = 0; i < 50; i++) await request(name, 5);
    const noops = [];
    for (let i = 0; i < reps; i++) noops.push(await request("noop", 1));
    const baseline = stats(noops).p50;
    const perRequest = async (name) => {
      const samples = [];
      for (let i = 0; i < reps; i++) samples.push(Math.max(0, (await request(name, 1)) - baseline));
      return stats(samples);
    };
    const batch = async (name, n) => {
      const means = [];
      for (let i = 0; i < 5; i++) means.push(Math.max(0, (await request(name, n)) - baseline) / n);
      return stats(means);
    };
    return {
      requestBaseline: stats(noops),
      snippet: await perRequest("snippet"),
      expression: await perRequest("expression"),
      params: await batch("params", quick ? 2000 : 20000),
      snippetBatched: await batch("snippet", quick ? 200 : 2000),
      fastPath: await batch("fastPath", quick ? 20000 : 200000),
      fastPathCore: await batch("fastPathCore", quick ? 200000 : 2000000),
    };
  } finally {
    await mf.dispose();
  }
}

function table(results) {
  const rows = [];
  const add = (runtime, what, s, unit = "ms", scale = 1) =>
    rows.push(
      `| ${runtime} | ${what} | ${round(s.p50 * scale, 3)} ${unit} | ${round(s.p99 * scale, 3)} ${unit} | ${round(s.mean * scale, 3)} ${unit} | ${s.n} |`,
    );
  const n = results.node;
  add("node", "transform snippet (runScript), per call", n.snippet);
  add("node", "JS expression (evalExpression), per call", n.expression);
  add("node", "params object with 5 fast-path templates, batch mean", n.params, "µs", 1000);
  add("node", "fast path `${results.fetch.body.items[0].id}` via evaluateTemplates, batch mean", n.fastPath, "µs", 1000);
  add("node", "fast path core (cached compile + lookup), batch mean", n.fastPathCore, "µs", 1000);
  const w = results.workerd;
  if (w) {
    add("workerd", "no-op request (baseline, subtracted below)", w.requestBaseline);
    add("workerd", "transform snippet, per request", w.snippet);
    add("workerd", "JS expression, per request", w.expression);
    add("workerd", "params object with 5 fast-path templates, batch mean", w.params, "µs", 1000);
    add("workerd", "transform snippet, batch mean", w.snippetBatched);
    add("workerd", "fast path via evaluateTemplates, batch mean", w.fastPath, "µs", 1000);
    add("workerd", "fast path core, batch mean", w.fastPathCore, "µs", 1000);
  }
  return ["| runtime | measurement | p50 | p99 | mean | samples |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

const dir = await mkdtemp(path.join(tmpdir(), "flowrunner-sandbox-bench-"));
try {
  const results = { node: await runNode(dir) };
  if (!nodeOnly) results.workerd = await runWorkerd(dir);
  const worst = results.workerd ?? results.node;
  results.targets = {
    ...TARGETS,
    snippetP50Met:
      results.node.snippet.p50 <= TARGETS.snippetP50 && (!results.workerd || results.workerd.snippetBatched.p50 <= TARGETS.snippetP50),
    snippetP99Met: results.node.snippet.p99 <= TARGETS.snippetP99,
    fastPathMet: worst.fastPath.p50 * 1000 <= TARGETS.fastPathUs,
  };
  results.environment = { node: process.version, platform: `${process.platform}-${process.arch}`, quick };
  console.log(JSON.stringify(results, (_k, v) => (typeof v === "number" ? round(v, 5) : v), 2));
  console.log();
  console.log(table(results));
  await writeFile(path.join(dir, "done"), "");
} finally {
  await rm(dir, { recursive: true, force: true });
}
