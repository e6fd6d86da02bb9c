/**
 * Targets and the markdown section of the engine suite, from the raw measurements of suite.mjs.
 */
import { SHAPES } from "./systems.mjs";

/** The issue's targets. */
export const TARGETS = {
  latencyVsFloor: 1.5, // 10-node create-to-result, FlowRunner p50 ≤ 1.5 × floor p50
  msPerStep: 0.15, // engine overhead per step at 100 and 1,000 steps
  perStepVsWorkflows: 0.1, // ... and ≤ 1/10 of Workflows' per step
  throughputVsFloor: 0.7, // runs/s ≥ 0.7 × floor
  throughputVsWorkflows: 5, // runs/s ≥ 5 × Workflows
  memoryGrowthMiB: 1, // flat memory: heap a finished 1,000-step run retains ≤ that of a 10-step run + 1 MiB
};

const SYSTEMS = [
  ["flowrunner", "FlowRunner"],
  ["floor", "floor"],
  ["workflows", "Workflows"],
];

const get = (list, system, shape) => list.find((r) => r.system === system && (shape === undefined || r.shape === shape));
const fmt = (value, digits = 1) => (value === undefined || value === null || Number.isNaN(value) ? "—" : Number(value).toFixed(digits));
const ratio = (a, b, digits = 2) => (a === undefined || b === undefined || !b ? "—" : `${(a / b).toFixed(digits)}×`);

/** Marginal cost of one more step: (p50 at N − p50 at 10) / (N − 10). */
export function perStep(raw, system, steps) {
  const base = get(raw.latency, system, "chain10")?.p50;
  const at = get(raw.latency, system, `chain${steps}`)?.p50;
  if (base === undefined || at === undefined) return undefined;
  return (at - base) / (steps - 10);
}

export function targetsOf(raw) {
  const targets = [];
  const add = (id, target, op, limit, unit, value) => {
    if (value === undefined || Number.isNaN(value)) return;
    targets.push({ id, target, op, limit, unit, value: Number(value.toFixed(3)), met: op === "≥" ? value >= limit : value <= limit });
  };
  const p50 = (system, shape) => get(raw.latency, system, shape)?.p50;
  add(
    "latency",
    "10-node run, create to result (p50), FlowRunner / floor",
    "≤",
    TARGETS.latencyVsFloor,
    "×",
    p50("flowrunner", "chain10") / p50("floor", "chain10"),
  );
  for (const steps of [100, 1000]) {
    const fr = perStep(raw, "flowrunner", steps);
    add("perStep", `ms per step at ${steps} steps (marginal, p50), FlowRunner`, "≤", TARGETS.msPerStep, "ms", fr);
    const wf = perStep(raw, "workflows", steps);
    if (wf !== undefined)
      add("perStepVsWorkflows", `ms per step at ${steps} steps, FlowRunner / Workflows`, "≤", TARGETS.perStepVsWorkflows, "×", fr / wf);
  }
  const tp = (system) => get(raw.throughput, system, "chain10");
  const fr = tp("flowrunner");
  if (fr) {
    add(
      "throughputVsFloor",
      "executions/s with 20 clients, FlowRunner / floor",
      "≥",
      TARGETS.throughputVsFloor,
      "×",
      fr.perSecond / tp("floor")?.perSecond,
    );
    add(
      "throughputVsWorkflows",
      "executions/s with 20 clients, FlowRunner / Workflows",
      "≥",
      TARGETS.throughputVsWorkflows,
      "×",
      fr.perSecond / tp("workflows")?.perSecond,
    );
    add("errors", "errors under 20 clients, FlowRunner", "≤", 0, "errors", fr.errors);
  }
  const m10 = get(raw.memory, "flowrunner", "chain10");
  const m1000 = get(raw.memory, "flowrunner", "chain1000");
  if (m10 && m1000)
    add(
      "memory",
      "heap retained by a 1,000-step run minus a 10-step run, FlowRunner",
      "≤",
      TARGETS.memoryGrowthMiB,
      "MiB",
      m1000.heapRetainedMiB - m10.heapRetainedMiB,
    );
  return targets;
}

function missedBy(t) {
  if (t.unit === "errors") return `${t.value} errors`;
  if (t.limit === 0) return `${t.value} ${t.unit}`;
  const factor = t.op === "≥" ? t.limit / t.value : t.value / t.limit;
  return `${factor.toFixed(2)}× the limit`;
}

/**
 * For a missed target: why, from the profiles (bench/engine/profile.mjs) and the A/B comparisons
 * in optimisations.md, and what would close it.
 */
const WHY = {
  latency:
    "**10-node latency vs the floor.** Profiled (`bench/engine/profile.mjs chain10 300`, load 2.1; optimisations.md, \"Where a 10-node run's time goes now\"), a 10-node run keeps the worker's isolate busy about 34 ms under the profiler. Of that, about 6 ms are its two console lines (the request's and the run's finish, docs/operations.md): under `wrangler dev` every console line is also serialised for its DevTools session (`bench/engine/console-cost.mjs`: about 0.6–1.5 ms a line there (four runs), a few µs in workerd without an inspector, and Workers in production have none); switched off (`LOG_LEVEL=warn`) they took 0.83× of the CPU per run and 0.81× of the p50 (optimisations.md, fourth round), which puts this ratio at about 1.6×. The floor writes no lines. The rest is what this design does and the floor does not: the run's durable record in its object's SQLite (8 tables, a view and 8 triggers created with the first save, about 1.3 ms; the steps' statement; the finish and the alarm: about 4.5 ms against the floor's 1), two D1 round trips against one (the API token, its account and the flow in one statement; the summary with the audit event: about 3.9 ms, most of it the binding call and workerd's tracing of it), 10 sandbox calls (about 1.4 ms in the account's shared context), engine bookkeeping (templates, previews, events, tokens: about 2.5 ms) and the API (routing, authentication, validation, JSON: about 2 ms). Both pay about 3 ms to create the object and call it. Removing more would mean dropping a guarantee (the per-step record, the index row and audit event, authentication against stored tokens) rather than overhead.",
  perStep:
    "**Milliseconds per step.** The sandbox call is no longer the cost: a 100-node `transform` chain now takes about as long as the chain of no-op `condition` nodes that make no sandbox call (see under Cost per step), since an account's scripts share a compiled, locked-down context. What is left per step is the engine (token, templates, previews, the `step.started`/`step.completed` events, the result) and its storage (six rows a step, applied for a whole streak of pure steps in one statement through the `write_batch` view): about 2.3× the floor's marginal step, which writes one row. This machine ran the floor itself about 1.9× slower than on 2026-12-05 (the floor's 10-node p50 and runs per second against the last full run), so the absolute 0.15 ms is missed where the ratio to the floor improved from 3.9× to about 2.3×.",
  perStepVsWorkflows:
    "**Per step against Workflows.** A local Workflows step costs about 2.8–4.3 ms (its 1,000-step figure comes from 3 runs and moves by ±10% between benches).",
  throughputVsFloor:
    "**Throughput vs the floor.** Locally every worker, object and D1 database runs on one workerd thread, so runs per second is the inverse of CPU per run (both systems keep about 0.9 cores busy). 0.7× the floor means at most 1.4× its CPU per run; FlowRunner needs about 2.4× (see CPU per run). Where it goes is the latency item: the two console lines under `wrangler dev` (0.83× CPU without them) and the durable record, index row, audit event and authentication the floor does not do.",
  throughputVsWorkflows:
    "**Throughput vs Workflows.** Local Workflows spends about 1.5× FlowRunner's CPU on a 10-step run timed alone, and under 20 clients it completes about half as many runs per second at a similar share of the CPU; 5× would need FlowRunner at well under half its CPU per run, below what its record of a run costs (latency item).",
  errors: "**Errors under load.** See the error samples in `bench-results/latest.json`.",
  memory:
    "**Memory.** A finished run keeps its pinned flow and the results of its nodes in memory while the object lives; both grow with the number of distinct nodes, not with the steps executed.",
};

const REALISTIC = [
  "The realistic shape is four steps of the kind users run, each doing real work: an HTTP GET to a loopback",
  "server (`scripts/standins/http.mjs`, started by the bench; its `/echo` answers the request back), an increment",
  "of one key in a key-value store, a branch on the new value, and a transform of what came back. In FlowRunner",
  "they are an `http.request`, a `store` `increment` (the account's store: one Durable Object), a `condition`",
  "(an expression, so a sandbox call) and a `transform` node. The floor does a `fetch`, an RPC to a second",
  "Durable Object that increments the key in its SQLite storage (standing in for the store), a branch and a",
  "computation, writing each result as a row of the run's object; Workflows does the same in four `step.do`,",
  "the increment through a Durable Object of its own. All runs of a system increment one key, as a shared",
  "counter would.",
];

function table(header, rows) {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function render(raw, targets, { quick, optimisations }) {
  const out = [];
  const loads = [...raw.latency, ...raw.throughput, ...raw.wait].flatMap((r) => r.load ?? []);
  out.push(
    "Three systems run in the same bench, each in its own `wrangler dev` (workerd, loopback only), with",
    "the load client (Node `fetch`, keep-alive) on the same machine:",
    "",
    "- **FlowRunner**: this repository's worker (`wrangler.toml`, bundled as `wrangler deploy` would), with",
    "  an account, an API token and one flow per shape created through the API. A run is",
    "  `POST /api/v1/flows/{id}/run?wait=60` with an API token, timed from the request to the completed",
    "  result. The per-account API rate limit is off (`RATE_LIMIT_REQUESTS=0`); everything else is as deployed.",
    "- **Workflows**: `bench/workflows/`, Cloudflare Workflows with one `step.do` per step (`step.sleep` for the",
    "  wait, `Promise.all` of `step.do` for the fan-out). A run is one request that creates an instance and",
    "  polls `instance.status()` until it is final (every 2 ms when one run is timed, 20 ms under concurrency;",
    "  a status call waits while the instance is running steps, so the polls add little).",
    "- **floor**: `bench/floor/`, the irreducible work of one Durable Object per run: a new object per request",
    "  writes each trivial step as a row to its SQLite storage (an alarm for the wait), then one row to D1, and",
    "  answers JSON.",
    "",
    `Steps are trivial in all three (\`return { n: input.n + 1 }\`; in FlowRunner a \`transform\` node, so every`,
    "step is also a QuickJS sandbox call), except in the realistic shape (see below the latency table).",
    "Latencies are wall-clock from the client, in ms; single-run shapes",
    "take turns across the systems (A, B, C, A, B, C, ...) so load changes hit all three alike. CPU is the",
    "user + system time of the system's workerd processes (worker and wrangler's proxy) from `/proc`.",
    "",
    `Load average (1 min) during the measurements: ${fmt(Math.min(...loads), 2)}–${fmt(Math.max(...loads), 2)} on this 2-core machine, shared with other`,
    "work; each table gives the load at its start. Absolute figures move with the load; the ratios carry.",
  );
  if (quick) out.push("", "**Quick run (smoke test): few samples, not representative.**");

  out.push("", "### Targets", "");
  out.push(
    table(
      ["target", "limit", "measured", "result"],
      targets.map((t) => [
        t.target,
        `${t.op} ${t.limit} ${t.unit}`,
        `${fmt(t.value, t.unit === "errors" ? 0 : 3)} ${t.unit}`,
        t.met ? "**met**" : `**missed** (${missedBy(t)})`,
      ]),
    ),
  );
  const missed = targets.filter((t) => !t.met && WHY[t.id]);
  if (missed.length) {
    out.push("", "Why the missed ones are missed, and what would close the gap:", "");
    for (const id of [...new Set(missed.map((t) => t.id))]) out.push(`- ${WHY[id]}`);
  }

  out.push("", "### Run latency (create to result)", "");
  const shapes = [...new Set(raw.latency.map((r) => r.shape))];
  out.push(
    table(
      ["shape", "runs", ...SYSTEMS.map(([, n]) => `${n} p50 / p99`), "FlowRunner / floor (p50)", "FlowRunner / Workflows (p50)", "load"],
      shapes.map((shape) => {
        const r = Object.fromEntries(SYSTEMS.map(([id]) => [id, get(raw.latency, id, shape)]));
        return [
          SHAPES[shape].label,
          SYSTEMS.map(([id]) => r[id]?.n ?? "–").join(" / "),
          ...SYSTEMS.map(([id]) => (r[id] ? `${fmt(r[id].p50)} / ${fmt(r[id].p99)}` : "–")),
          ratio(r.flowrunner?.p50, r.floor?.p50),
          ratio(r.flowrunner?.p50, r.workflows?.p50),
          fmt(r.flowrunner?.load?.[0], 2),
        ];
      }),
    ),
  );
  out.push(
    "",
    "Runs: FlowRunner / floor / Workflows. The no-op `condition` chain exists only for FlowRunner: next to the",
    "100-node `transform` chain it shows what the sandbox call costs per step.",
  );
  if (shapes.includes("realistic")) out.push("", ...REALISTIC);

  out.push("", "### Cost per step", "");
  out.push(
    table(
      [
        "chain",
        ...SYSTEMS.map(([, n]) => `${n} ms/step (marginal)`),
        ...SYSTEMS.map(([, n]) => `${n} ms/step (total / N)`),
        "FlowRunner / Workflows (marginal)",
      ],
      [100, 1000].map((steps) => {
        const m = Object.fromEntries(SYSTEMS.map(([id]) => [id, perStep(raw, id, steps)]));
        const total = (id) => get(raw.latency, id, `chain${steps}`)?.p50 / steps;
        return [
          `${steps} steps`,
          ...SYSTEMS.map(([id]) => fmt(m[id], 3)),
          ...SYSTEMS.map(([id]) => fmt(total(id), 3)),
          ratio(m.flowrunner, m.workflows, 3),
        ];
      }),
    ),
  );
  const noop = get(raw.latency, "flowrunner", "noop100");
  const c100 = get(raw.latency, "flowrunner", "chain100");
  const c10 = get(raw.latency, "flowrunner", "chain10");
  out.push(
    "",
    "Marginal = (p50 at N − p50 at 10 steps) / (N − 10): what one more step costs, without the fixed cost of a",
    "run. A longer chain is also a bigger flow, so for FlowRunner it includes per-node work outside the",
    "engine too (the run pins, copies and stores the whole flow; its validation is kept per flow text).",
  );
  if (noop && c100 && c10) {
    const sandbox = (c100.p50 - noop.p50) / 100;
    out.push(
      `The 100-node chain of \`condition\` nodes that look a path up on the host (no sandbox call) takes ${fmt(noop.p50)} ms, against`,
      `${fmt(c100.p50)} ms for \`transform\` nodes that each make a QuickJS call: a difference of ${fmt(sandbox, 3)} ms per step, the cost of the`,
      "sandbox call; the rest of a step is the engine, its storage and the per-node work.",
    );
  }

  out.push("", "### Throughput", "");
  for (const [i, shape] of [...new Set(raw.throughput.map((r) => r.shape))].entries()) {
    const t = raw.throughput.find((r) => r.shape === shape);
    if (i > 0) out.push("");
    out.push(
      `${t.clients} clients, each running "${SHAPES[shape].label}" in a loop for ${fmt(t.elapsedMs / 1000)} s per system` +
        (t.rounds > 1
          ? `, in ${t.rounds} rounds that take turns across the systems (so a drift in the machine's speed hits all three).`
          : "."),
      "",
    );
    out.push(
      table(
        ["system", "runs/s", "p50 ms", "p99 ms", "errors / runs", "workerd CPU (cores busy)", "FlowRunner / this", "load"],
        SYSTEMS.map(([id, n]) => {
          const r = get(raw.throughput, id, shape);
          const fr = get(raw.throughput, "flowrunner", shape);
          return r
            ? [
                n,
                fmt(r.perSecond),
                fmt(r.p50),
                fmt(r.p99),
                `${r.errors} / ${r.runs}`,
                fmt(r.cpuUtilisation, 2),
                id === "flowrunner" ? "–" : ratio(fr?.perSecond, r.perSecond),
                fmt(r.load[0], 2),
              ]
            : [n, "–", "–", "–", "–", "–", "–", "–"];
        }),
      ),
    );
  }

  out.push("", "### Waiting runs", "");
  const chainCpu = (id) => get(raw.latency, id, "chain10")?.cpuMsPerRun;
  if (raw.wait.length) {
    const w = raw.wait[0];
    out.push(
      `Runs of "${SHAPES[w.shape].label}" started at once. FlowRunner and Workflows runs are started without`,
      "waiting (FlowRunner: `POST .../run`, then `GET /executions/{id}?wait=60`; Workflows: create, then poll), so the",
      "time to accept them all shows apart from the wait; a floor run is one request held open while its object",
      "sleeps on an alarm. If waiting costs nothing, the CPU per run is that of the same flow without the wait,",
      "and a batch takes about 1 s or the CPU it needs to start and finish its runs (one workerd isolate runs",
      "one thing at a time), whichever is longer, plus overhead.",
      "",
      table(
        [
          "system",
          "runs",
          "all accepted after (s)",
          "all done after (s)",
          "CPU the batch needs without waits (s)",
          "per run, accepted → done, p50 / p99 (ms)",
          "run's own created → finished, p50 / p99 (ms)",
          "errors",
          "CPU per run (ms)",
          "same flow without the wait (ms)",
          "RSS before → after (MiB)",
          "load",
        ],
        raw.wait.map((r) => [
          SYSTEMS.find(([id]) => id === r.system)[1],
          r.count,
          r.allAcceptedMs === undefined ? "–" : fmt(r.allAcceptedMs / 1000, 2),
          fmt(r.elapsedMs / 1000, 2),
          chainCpu(r.system) === undefined ? "–" : fmt((r.count * chainCpu(r.system)) / 1000, 2),
          `${fmt(r.p50, 0)} / ${fmt(r.p99, 0)}`,
          r.server ? `${fmt(r.server.p50, 0)} / ${fmt(r.server.p99, 0)}` : "–",
          r.errors,
          fmt(r.cpuMsPerRun),
          fmt(chainCpu(r.system)),
          `${fmt(r.rssMiB[0], 0)} → ${fmt(r.rssMiB[1], 0)}`,
          fmt(r.load[0], 2),
        ]),
      ),
      "",
      "RSS grows while many runs are in memory at once (each object has its own SQLite connection); an idle",
      "object is closed after about 10 s here (its database's WAL is checkpointed and removed then), so a run",
      "that waits longer holds no memory, as in production, where a waiting object is evicted.",
    );
  }

  out.push("", "### Memory as the chain grows", "");
  out.push(
    "workerd does not expose one object's memory, so three proxies: the V8 heap of the worker's isolate",
    "(`Runtime.getHeapUsage` through `wrangler dev`'s inspector), as its peak during the run (sampled every",
    "20 ms; garbage included) and as what the run retains after a forced GC (the finished object is still in",
    "memory then: its state, pinned flow and results); the RSS of the workerd processes; and the size of",
    "the run's own SQLite database. For Workflows the heap is only the user worker's: the instance engine",
    "runs in another worker.",
    "",
    table(
      ["system", "chain", "runs", "heap peak growth (MiB)", "heap retained (MiB)", "RSS growth (MiB)", "run storage (KiB)", "load"],
      raw.memory.map((m) => [
        SYSTEMS.find(([id]) => id === m.system)[1],
        SHAPES[m.shape].label,
        m.reps,
        fmt(m.heapPeakGrowthMiB, 2),
        fmt(m.heapRetainedMiB, 3),
        fmt(m.rssGrowthMiB, 1),
        fmt(m.storageKiB, 0),
        fmt(m.load, 2),
      ]),
    ),
  );

  out.push("", "### CPU per run (one run at a time)", "");
  out.push(
    table(
      ["shape", ...SYSTEMS.map(([, n]) => `${n} ms`), "FlowRunner / floor", "FlowRunner / Workflows"],
      shapes.map((shape) => {
        const c = (id) => get(raw.latency, id, shape)?.cpuMsPerRun;
        return [
          SHAPES[shape].label,
          ...SYSTEMS.map(([id]) => fmt(c(id))),
          ratio(c("flowrunner"), c("floor")),
          ratio(c("flowrunner"), c("workflows")),
        ];
      }),
    ),
  );
  out.push(
    "",
    `Startup (build excluded): ${Object.entries(raw.startup)
      .map(([k, v]) => `${k} ${fmt(v / 1000)} s`)
      .join(", ")}. The suite took ${fmt(raw.seconds)} s.`,
  );
  if (optimisations) out.push("", optimisations.trim());
  return out.join("\n");
}
