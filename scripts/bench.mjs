#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark suite, then writes
 *   - docs/benchmarks.md: the machine, the versions, and one section per suite;
 *   - bench-results/latest.json: everything, raw figures included (bench-results/ is not committed).
 *
 *   node scripts/bench.mjs [--quick] [--suite <name>] [--node-only] [--docs | --no-docs]
 *
 * --quick      a fast smoke run (fewer samples), passed through to every suite. A quick run does not
 *              overwrite docs/benchmarks.md: its markdown goes to bench-results/benchmarks.md instead.
 * --suite      run only the suites whose name contains this text (case-insensitive); repeatable.
 * --node-only  passed through; suites that also measure in workerd skip it.
 * --docs       write docs/benchmarks.md even for a quick or partial run; --no-docs never writes it.
 *
 * A suite is a module in bench/ that exports `name` and `run({ quick, args })`, resolving to
 *   { name, rows, markdown, targets?, failures?, raw? }
 * where `rows` are its measurements as plain objects, `markdown` is its section body (without the
 * heading), `targets` is a list of `{ target, limit, unit, met, op? }` (`op` "≤" by default, or "≥"),
 * `failures` a list of messages for runs that errored (the bench then exits non-zero; missed targets
 * do not), and `raw` whatever it wants kept in the JSON. To add one, write bench/<area>/suite.mjs
 * and list it in SUITES below.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Suites in the order they run and appear in the docs. */
const SUITES = [
  "bench/sandbox/suite.mjs",
  "bench/validator/suite.mjs",
  "bench/engine/suite.mjs",
  "bench/triggers/suite.mjs",
  "bench/store/suite.mjs",
  "bench/ai/suite.mjs",
  "bench/rag/suite.mjs",
  "bench/email/suite.mjs",
  "bench/plugins/suite.mjs",
  "bench/dashboard/suite.mjs",
  "bench/stress/suite.mjs",
  "bench/deploy/suite.mjs",
];

function parseArgs(argv) {
  const options = { quick: false, suites: [], passThrough: [], docs: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") options.quick = true;
    else if (arg === "--node-only") options.passThrough.push(arg);
    else if (arg === "--docs") options.docs = true;
    else if (arg === "--no-docs") options.docs = false;
    else if (arg === "--suite") options.suites.push(String(argv[++i] ?? "").toLowerCase());
    else if (arg.startsWith("--suite=")) options.suites.push(arg.slice("--suite=".length).toLowerCase());
    else if (arg === "--help" || arg === "-h") {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), "utf8")
          .split("*/")[0]
          .replace(/^#!.*\n\/\*\*\n/, "")
          .replace(/^ \* ?/gm, ""),
      );
      process.exit(0);
    } else {
      console.error(`unknown argument: ${arg} (see --help)`);
      process.exit(2);
    }
  }
  return options;
}

function cpuInfo() {
  const cpus = os.cpus();
  let model = cpus[0]?.model?.trim();
  let cores = cpus.length;
  if (existsSync("/proc/cpuinfo")) {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    model = text.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() || model;
    cores = text.match(/^processor\s*:/gm)?.length || cores;
  }
  return { model: model || "unknown", cores };
}

function tryRun(file, args) {
  try {
    return execFileSync(file, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

function machine() {
  const workerdBin = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "workerd.cmd" : "workerd");
  const commit = tryRun("git", ["rev-parse", "--short", "HEAD"]);
  return {
    date: new Date().toISOString(),
    cpu: cpuInfo(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    workerd:
      (existsSync(workerdBin) ? tryRun(workerdBin, ["--version"]) : undefined)?.replace(/^workerd\s+/, "") ?? packageVersion("workerd"),
    wrangler: packageVersion("wrangler"),
    miniflare: packageVersion("miniflare"),
    commit:
      commit === undefined
        ? undefined
        : `${commit}${tryRun("git", ["status", "--porcelain", "--untracked-files=no"]) ? " (with uncommitted changes)" : ""}`,
  };
}

function renderDocs(env, results, quick) {
  const lines = [
    "# Benchmarks",
    "",
    "Generated by `npm run bench` (`scripts/bench.mjs`); do not edit by hand. Raw figures of the last run",
    "are in `bench-results/latest.json` (not committed). The whole bench takes about 12 minutes on a quiet machine (the quick one about 4); CI runs",
    "`npm run bench -- --quick` after the tests, a smoke run that fails when a system does not start or a",
    "run errors (its figures go to `bench-results/benchmarks.md`, not here).",
    "",
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| date | ${env.date} |`,
    `| CPU | ${env.cpu.model}, ${env.cpu.cores} cores |`,
    `| memory | ${env.memoryGiB} GiB |`,
    `| load average (1, 5, 15 min) at the start | ${env.loadAverage.join(", ")} |`,
    `| platform | ${env.platform} |`,
    `| Node | ${env.node} |`,
    `| workerd | ${env.workerd ?? "not installed"} |`,
    `| wrangler | ${env.wrangler ?? "not installed"} |`,
    `| Miniflare | ${env.miniflare ?? "not installed"} |`,
    ...(env.commit ? [`| commit | ${env.commit} |`] : []),
    `| run | ${quick ? "quick (smoke: few samples, not representative)" : "full"} |`,
  ];
  if (env.loadAverage[0] > env.cpu.cores) {
    lines.push(
      "",
      `The machine was busy (1-minute load ${env.loadAverage[0]} on ${env.cpu.cores} cores): tail latencies (p99) are inflated.`,
    );
  }
  const targets = results.flatMap((r) => (r.targets ?? []).map((t) => ({ suite: r.name, ...t })));
  if (targets.length) {
    lines.push("", "## Summary", "", "| suite | target | limit | result |", "|---|---|---|---|");
    for (const t of targets)
      lines.push(`| ${t.suite} | ${t.target} | ${t.op ?? "≤"} ${t.limit} ${t.unit} | ${t.met ? "pass" : "**FAIL**"} |`);
  }
  for (const result of results) lines.push("", `## ${result.name}`, "", result.markdown.trim());
  return `${lines.join("\n")}\n`;
}

const options = parseArgs(process.argv.slice(2));
// The Worker under test serves the dashboard's files (wrangler.toml [assets]); they must exist.
execFileSync(process.execPath, [path.join(root, "scripts/build-dashboard.mjs"), "--if-stale"], { stdio: "inherit" });
const env = machine();
const results = [];
for (const file of SUITES) {
  const suite = await import(pathToFileURL(path.join(root, file)).href);
  const wanted =
    options.suites.length === 0 || options.suites.some((s) => file.toLowerCase().includes(s) || suite.name.toLowerCase().includes(s));
  if (!wanted) continue;
  console.error(`bench: ${suite.name}${options.quick ? " (quick)" : ""}…`);
  const started = performance.now();
  const result = await suite.run({ quick: options.quick, args: options.passThrough });
  console.error(`bench: ${suite.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  results.push({ ...result, module: file });
}
if (results.length === 0) {
  console.error(`bench: no suite matches ${options.suites.join(", ")}; suites: ${SUITES.join(", ")}`);
  process.exit(2);
}

const markdown = renderDocs(env, results, options.quick);
const resultsDir = path.join(root, "bench-results");
await mkdir(resultsDir, { recursive: true });
await writeFile(
  path.join(resultsDir, "latest.json"),
  `${JSON.stringify({ environment: { ...env, quick: options.quick }, suites: results }, null, 2)}\n`,
);
const complete = results.length === SUITES.length && options.passThrough.length === 0;
const writeDocs = options.docs ?? (!options.quick && complete);
const docsPath = writeDocs ? path.join(root, "docs", "benchmarks.md") : path.join(resultsDir, "benchmarks.md");
await writeFile(docsPath, markdown);
console.log(markdown);
console.error(`bench: wrote ${path.relative(root, docsPath)} and bench-results/latest.json`);
const failed = results.flatMap((r) => (r.targets ?? []).filter((t) => !t.met).map((t) => `${r.name}: ${t.target}`));
if (failed.length) console.error(`bench: targets missed: ${failed.join("; ")}`);
// A missed target is a finding; a system that did not start or a run that errored is a broken bench.
const failures = results.flatMap((r) => (r.failures ?? []).map((f) => `${r.name}: ${f}`));
if (failures.length) {
  console.error(`bench: FAILED\n  ${failures.join("\n  ")}`);
  process.exitCode = 1;
}
