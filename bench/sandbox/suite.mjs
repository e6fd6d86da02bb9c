/**
 * The "Sandbox and expressions" suite of `npm run bench` (see scripts/bench.mjs for the suite contract).
 * It runs bench/sandbox/run.mjs in a child process (that script measures as soon as it is loaded),
 * takes the JSON object it prints first, and turns it into rows, targets and a markdown section.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export const name = "Sandbox and expressions";

/** Targets from the design: a transform snippet must be cheap next to a step, a plain path nearly free. */
export const TARGETS = {
  snippetP50Ms: 0.3,
  snippetP99Ms: 2,
  fastPathUs: 5,
};

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, "run.mjs"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`bench/sandbox/run.mjs exited with ${code}\n${stderr.trim()}`));
    });
  });
}

/** run.mjs prints one JSON object, a blank line, then its own markdown table: take the object. */
export function parseOutput(stdout) {
  const tableAt = stdout.indexOf("\n| runtime |");
  const json = (tableAt < 0 ? stdout : stdout.slice(0, tableAt)).trim();
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new Error(`could not parse the JSON printed by bench/sandbox/run.mjs: ${error.message}\n${json.slice(0, 500)}`);
  }
}

const fixed = (value, digits) => (value === undefined || value === null ? "—" : Number(value).toFixed(digits));

/** Every measurement as a row; times in ms for per-call figures and µs for the fast path. */
export function toRows(raw) {
  const rows = [];
  const add = (runtime, id, measurement, stats, unit) => {
    if (!stats) return;
    const scale = unit === "µs" ? 1000 : 1;
    rows.push({
      runtime,
      id,
      measurement,
      unit,
      p50: stats.p50 * scale,
      p99: stats.p99 * scale,
      mean: stats.mean * scale,
      samples: stats.n,
    });
  };
  const n = raw.node;
  add("node", "snippet", "transform snippet (`runScript`), per call", n.snippet, "ms");
  add("node", "expression", "JS expression (`evalExpression`), per call", n.expression, "ms");
  add("node", "snippetAccount", "transform snippet in the account's shared context (as a run's nodes), per call", n.snippetAccount, "ms");
  add("node", "expressionAccount", "JS expression in the account's shared context, per call", n.expressionAccount, "ms");
  add("node", "params", "params object with 5 fast-path templates, batch mean", n.params, "µs");
  add("node", "fastPath", "fast path `${results.fetch.body.items[0].id}` via `evaluateTemplates`, batch mean", n.fastPath, "µs");
  add("node", "fastPathCore", "fast path core (cached parse + lookup), batch mean", n.fastPathCore, "µs");
  const w = raw.workerd;
  if (w) {
    add("workerd", "requestBaseline", "no-op request (baseline, subtracted below)", w.requestBaseline, "ms");
    add("workerd", "snippet", "transform snippet, per request", w.snippet, "ms");
    add("workerd", "expression", "JS expression, per request", w.expression, "ms");
    add("workerd", "snippetBatched", "transform snippet, batch mean", w.snippetBatched, "ms");
    add("workerd", "params", "params object with 5 fast-path templates, batch mean", w.params, "µs");
    add("workerd", "fastPath", "fast path via `evaluateTemplates`, batch mean", w.fastPath, "µs");
    add("workerd", "fastPathCore", "fast path core, batch mean", w.fastPathCore, "µs");
  }
  return rows;
}

/**
 * The targets, judged per runtime. In workerd the clock stands still during synchronous work, so a
 * single call is timed from outside and carries request jitter: its p50 is judged on the batched
 * mean, and there is no honest per-call p99 to judge.
 */
export function toTargets(raw) {
  const w = raw.workerd;
  const us = (stats) => (stats ? stats.p50 * 1000 : undefined);
  const targets = [
    {
      id: "snippetP50",
      target: "transform snippet p50",
      limit: TARGETS.snippetP50Ms,
      unit: "ms",
      node: raw.node.snippet.p50,
      workerd: w?.snippetBatched.p50,
    },
    {
      id: "snippetP99",
      target: "transform snippet p99",
      limit: TARGETS.snippetP99Ms,
      unit: "ms",
      node: raw.node.snippet.p99,
      workerd: undefined,
    },
    {
      id: "fastPath",
      target: "fast path (`evaluateTemplates`)",
      limit: TARGETS.fastPathUs,
      unit: "µs",
      node: us(raw.node.fastPath),
      workerd: us(w?.fastPath),
    },
  ];
  return targets.map((t) => {
    const measured = [t.node, t.workerd].filter((v) => v !== undefined);
    return { ...t, met: measured.length > 0 && measured.every((v) => v <= t.limit) };
  });
}

function markdown(rows, targets, raw) {
  const digits = (unit) => (unit === "µs" ? 2 : 3);
  const lines = [
    "Measured by `bench/sandbox/run.mjs`: the sandbox and expression modules bundled with esbuild, run",
    "in Node (per-call timings with `performance.now()`) and in workerd through Miniflare. workerd's",
    "clocks stand still during synchronous work, so there each request is timed from Node and the median",
    "cost of a no-op request is subtracted: per-request figures include request jitter, batch means",
    "(many calls in one request) do not.",
    "",
    "### Targets",
    "",
    "| target | limit | Node | workerd | result |",
    "|---|---|---|---|---|",
    ...targets.map(
      (t) =>
        `| ${t.target} | ≤ ${t.limit} ${t.unit} | ${t.node === undefined ? "—" : `${fixed(t.node, digits(t.unit))} ${t.unit}`} | ${
          t.workerd === undefined
            ? t.id === "snippetP99" && raw.workerd
              ? "n/a (request jitter)"
              : "—"
            : `${fixed(t.workerd, digits(t.unit))} ${t.unit} (batch mean)`
        } | ${t.met ? "**pass**" : "**FAIL**"} |`,
    ),
    "",
    "### Measurements",
    "",
    "| runtime | measurement | p50 | p99 | mean | samples |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.runtime} | ${r.measurement} | ${fixed(r.p50, digits(r.unit))} ${r.unit} | ${fixed(r.p99, digits(r.unit))} ${r.unit} | ${fixed(r.mean, digits(r.unit))} ${r.unit} | ${r.samples} |`,
    ),
  ];
  if (!raw.workerd) lines.push("", "workerd was not measured (`--node-only`).");
  return lines.join("\n");
}

/** Suite entry point (see scripts/bench.mjs). */
export async function run({ quick = false, args = [] } = {}) {
  const childArgs = [...(quick ? ["--quick"] : []), ...args.filter((a) => a === "--node-only")];
  const raw = parseOutput(await runChild(childArgs));
  const rows = toRows(raw);
  const targets = toTargets(raw);
  return { name, rows, targets, markdown: markdown(rows, targets, raw), raw };
}
