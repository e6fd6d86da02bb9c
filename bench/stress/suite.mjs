/**
 * The "stress" suite of `npm run bench` (see scripts/bench.mjs for the suite contract): many runs
 * waiting at once on one FlowRunner under `wrangler dev`, then all resumed.
 *
 * Half the runs sleep until one common time (`wait` with `until_time`), half wait for an event
 * (`wait` with `type: event`). The suite
 *   1. starts them all through the API, `CLIENTS` requests at a time: accepted per second;
 *   2. waits until every run reports `waiting` in the index, then samples for `HOLD_MS` the workerd
 *      process's resident memory and the Worker isolate's heap (after a forced GC, through the
 *      inspector): a waiting run should hold nothing in the isolate, so both stay flat however many
 *      runs wait (target: heap growth per waiting run ≈ 0, ≤ 1 KiB);
 *   3. posts the event to every event-waiting run while the sleepers' common time arrives, and
 *      counts until every run is `completed`: time until all finish, and lost runs (target: 0) —
 *      a run that never finishes, or finishes otherwise than `completed`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { flowRunnerWithAccount } from "../engine/account.mjs";
import { load1, stats } from "../engine/load.mjs";
import { DatabaseSync } from "node:sqlite";
import { inspector, processUsage, sleep, sqliteFiles } from "../engine/servers.mjs";

export const name = "Stress: 1,000 runs waiting at once";

const PLANS = {
  full: { runs: 1000, clients: 16, holdMs: 30_000, marginMs: 60_000 },
  quick: { runs: 100, clients: 8, holdMs: 5_000, marginMs: 15_000 },
};
const MiB = 1024 * 1024;

let t0 = performance.now();
const log = (message) => console.error(`bench/stress [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

const SLEEPER = `metadata:
  name: Stress sleeper
nodes:
  nap:
    type: wait
    params:
      type: until_time
      time: "\${input.resume_at}"
    next:
      default: done
  done:
    type: transform
    params:
      script: "return { slept: true, n: input.n };"
`;

const WAITER = `metadata:
  name: Stress event waiter
nodes:
  hold:
    type: wait
    params:
      type: event
      event: go
      timeout: 1h
    next:
      default: done
  done:
    type: transform
    params:
      script: "return { released: input.n };"
`;

/** Runs `task(i)` for i in [0, count), `clients` at a time; answers each call's time in ms. */
async function pool(count, clients, task) {
  const times = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await task(i);
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

/** How many of the account's runs have `status`, from the index (pages of 100). */
async function countByStatus(fr, status) {
  let count = 0;
  let cursor = "";
  do {
    const page = (await fr.api(`/api/v1/executions?status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`))
      .body;
    count += page.executions.length;
    cursor = page.next_cursor ?? "";
  } while (cursor);
  return count;
}

async function until(what, check, timeoutMs) {
  const started = performance.now();
  for (;;) {
    const done = await check();
    if (done) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/**
 * Bytes the local D1 database (the account database) uses: its pages in use, read through SQLite
 * itself, so the write-ahead log counts and preallocated or free pages do not.
 */
function d1Bytes(stateDir) {
  let bytes = 0;
  for (const file of sqliteFiles(stateDir)) {
    if (!file.includes(`${path.sep}d1${path.sep}`)) continue;
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const pragma = (name) => Object.values(db.prepare(`PRAGMA ${name}`).get())[0];
      bytes += (pragma("page_count") - pragma("freelist_count")) * pragma("page_size");
    } finally {
      db.close();
    }
  }
  return bytes;
}

/** The isolate's heap after a forced GC (see bench/engine/suite.mjs settledHeap). */
async function settledHeap(client, base) {
  client.send("HeapProfiler.collectGarbage", {}, 2000).catch(() => {});
  await sleep(30);
  await fetch(`${base}/health`).then((r) => r.arrayBuffer());
  await sleep(30);
  return client.heapUsedBytes();
}

export async function run({ quick }) {
  t0 = performance.now();
  const plan = quick ? PLANS.quick : PLANS.full;
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowrunner-stress-"));
  const { server, fr } = await flowRunnerWithAccount(dir, {}, log);
  const failures = [];
  try {
    const memory = () => processUsage(server.workerdPids()).rssMiB;
    const client = await inspector(server.inspectorPort);
    const sleeper = (await fr.saveFlow(SLEEPER)).id;
    const waiter = (await fr.saveFlow(WAITER)).id;
    const sleepers = Math.floor(plan.runs / 2);

    // Warm the isolate before the baseline: one run of each flow, waiting and resumed, so the code
    // paths a waiting run takes are compiled and the caches they fill are full; what grows after
    // that grows with the number of runs.
    const warm = [
      (
        await fr.api(`/api/v1/flows/${sleeper}/run`, {
          method: "POST",
          body: JSON.stringify({ input: { n: -1, resume_at: new Date(Date.now() + 2_000).toISOString() } }),
        })
      ).body.execution_id,
      (await fr.api(`/api/v1/flows/${waiter}/run`, { method: "POST", body: JSON.stringify({ input: { n: -2 } }) })).body.execution_id,
    ];
    await until("the warm-up run waiting", async () => (await countByStatus(fr, "waiting")) >= 1, 60_000);
    await fr.api(`/api/v1/executions/${warm[1]}/events/go`, { method: "POST", body: JSON.stringify({ n: -2 }) });
    await until("the warm-up runs completed", async () => (await countByStatus(fr, "completed")) === warm.length, 60_000);
    const baseline = { rssMiB: memory(), heap: await settledHeap(client, server.url) };
    const d1Before = d1Bytes(server.stateDir);
    log(`baseline: workerd ${baseline.rssMiB.toFixed(0)} MiB, heap ${(baseline.heap / MiB).toFixed(1)} MiB`);

    // 1. Start them all: the event waiters first, which also measures the rate of acceptance; then the
    // sleepers, whose common time leaves room for the rest of the start, the settling and the hold.
    const waiters = plan.runs - sleepers;
    const ids = new Array(plan.runs);
    const start = (i, flow, input) => async () => {
      ids[i] = (await fr.api(`/api/v1/flows/${flow}/run`, { method: "POST", body: JSON.stringify({ input }) })).body.execution_id;
    };
    const acceptStarted = performance.now();
    const latencies = await pool(waiters, plan.clients, (k) => start(k, waiter, { n: k })());
    const perRunMs = (performance.now() - acceptStarted) / waiters;
    const resumeAt = Date.now() + sleepers * perRunMs * 2 + plan.holdMs + plan.marginMs;
    latencies.push(
      ...(await pool(sleepers, plan.clients, (k) =>
        start(waiters + k, sleeper, { n: waiters + k, resume_at: new Date(resumeAt).toISOString() })(),
      )),
    );
    const acceptSeconds = (performance.now() - acceptStarted) / 1000;
    log(`${plan.runs} runs accepted in ${acceptSeconds.toFixed(1)} s`);
    const settleMs = await until("every run waiting", async () => (await countByStatus(fr, "waiting")) === plan.runs, 300_000);
    log(`all ${plan.runs} waiting ${(settleMs / 1000).toFixed(1)} s after the last was accepted`);

    // 2. Hold: memory while they all wait.
    const samples = [];
    const holdStarted = performance.now();
    while (performance.now() - holdStarted < plan.holdMs) {
      samples.push({ at: (performance.now() - holdStarted) / 1000, rssMiB: memory(), heap: await settledHeap(client, server.url) });
      await sleep(Math.min(5_000, plan.holdMs / 4));
    }
    const held = samples.at(-1);
    const stillWaiting = await countByStatus(fr, "waiting");
    log(`holding ${stillWaiting}: workerd ${held.rssMiB.toFixed(0)} MiB, heap ${(held.heap / MiB).toFixed(1)} MiB`);

    // 3. Resume all at once: the sleepers' time comes, and every event waiter gets its event.
    await sleep(Math.max(0, resumeAt - Date.now()));
    const resumeStarted = performance.now();
    const eventTimes = await pool(waiters, plan.clients, (k) =>
      fr.api(`/api/v1/executions/${ids[k]}/events/go`, { method: "POST", body: JSON.stringify({ n: k }) }),
    );
    const eventsSeconds = (performance.now() - resumeStarted) / 1000;
    let completed = 0;
    try {
      await until(
        "every run completed",
        async () => (completed = (await countByStatus(fr, "completed")) - warm.length) === plan.runs,
        600_000,
      );
    } catch (error) {
      failures.push(`${plan.runs - completed} of ${plan.runs} runs did not complete: ${error.message}`);
    }
    const finishSeconds = (performance.now() - resumeStarted) / 1000;
    const lost = plan.runs - completed;
    const after = { rssMiB: memory(), heap: await settledHeap(client, server.url) };
    log(`${completed} completed ${finishSeconds.toFixed(1)} s after the resume; workerd ${after.rssMiB.toFixed(0)} MiB`);
    client.close();

    const d1PerRun = (d1Bytes(server.stateDir) - d1Before) / plan.runs;
    const heapPerRunKiB = (held.heap - baseline.heap) / 1024 / stillWaiting;
    const heapDrift = (samples.at(-1).heap - samples[0].heap) / MiB;
    const rows = [
      { measure: "runs waiting at once", value: stillWaiting, unit: "runs" },
      { measure: "accepted per second", value: plan.runs / acceptSeconds, unit: "runs/s" },
      { measure: "start latency p50 / p99", value: `${stats(latencies).p50.toFixed(0)} / ${stats(latencies).p99.toFixed(0)}`, unit: "ms" },
      { measure: "until all waiting (after the last start)", value: settleMs / 1000, unit: "s" },
      {
        measure: "workerd resident memory: before / waiting / after",
        value: `${baseline.rssMiB.toFixed(0)} / ${held.rssMiB.toFixed(0)} / ${after.rssMiB.toFixed(0)}`,
        unit: "MiB",
      },
      {
        measure: "isolate heap: before / waiting / after",
        value: `${(baseline.heap / MiB).toFixed(1)} / ${(held.heap / MiB).toFixed(1)} / ${(after.heap / MiB).toFixed(1)}`,
        unit: "MiB",
      },
      { measure: "isolate heap per waiting run", value: heapPerRunKiB, unit: "KiB" },
      { measure: "workerd resident memory per waiting run", value: ((held.rssMiB - baseline.rssMiB) * 1024) / stillWaiting, unit: "KiB" },
      { measure: "isolate heap drift over the hold", value: heapDrift, unit: "MiB" },
      { measure: "events posted per second", value: waiters / eventsSeconds, unit: "events/s" },
      { measure: "resume until all completed", value: finishSeconds, unit: "s" },
      { measure: "lost runs", value: lost, unit: "runs" },
      { measure: "account database size per run (index row, audit rows)", value: d1PerRun, unit: "bytes" },
    ];
    const fmt = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 2 : 1)) : v);
    const markdown = [
      `${plan.runs} runs on one \`wrangler dev\` (one account): ${sleepers} sleep until one common time (\`wait\` \`until_time\`),`,
      `${waiters} wait for an event (\`wait\` \`type: event\`); started ${plan.clients} requests at a time, held for ${plan.holdMs / 1000} s,`,
      "then resumed together (the sleepers' time comes while every event is posted). Memory is the workerd process's resident set",
      "and the Worker isolate's heap after a forced GC (through the inspector), both from a baseline taken after one",
      "run of each flow has waited and finished (so code and caches are warm). A waiting run lives in its Durable",
      "Object's storage and its alarm, not in the isolate. Locally every object runs inside the one workerd process,",
      "whose resident size grows with the objects it has opened and did not shrink while they waited; in production",
      "each object lives where Cloudflare places it and leaves memory when idle, so the isolate's heap is the figure",
      "that says whether waiting runs cost FlowRunner memory.",
      "",
      "| measure | value | unit |",
      "|---|---:|---|",
      ...rows.map((row) => `| ${row.measure} | ${fmt(row.value)} | ${row.unit} |`),
      "",
      "Memory while holding (seconds into the hold: workerd MiB, heap MiB): " +
        samples.map((s) => `${s.at.toFixed(0)} s: ${s.rssMiB.toFixed(0)}, ${(s.heap / MiB).toFixed(1)}`).join("; ") +
        ".",
    ].join("\n");
    return {
      name,
      rows,
      markdown,
      targets: [
        { target: "lost runs", limit: 0, unit: "runs", met: lost === 0 },
        { target: "isolate heap per waiting run", limit: 1, unit: "KiB", met: heapPerRunKiB <= 1 },
      ],
      failures,
      raw: { plan, baseline, samples, after, latencies: stats(latencies), eventTimes: stats(eventTimes) },
    };
  } catch (error) {
    failures.push(String(error?.message ?? error));
    return { name, rows: [], markdown: `**The stress run failed:** ${failures[0]}`, failures };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
