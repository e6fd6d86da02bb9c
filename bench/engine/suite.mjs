/**
 * The "Engine" suite of `npm run bench` (see scripts/bench.mjs for the suite contract): FlowRunner
 * against Cloudflare Workflows and the platform floor, all three under `wrangler dev` on this
 * machine, in the same run. See bench/engine/README.md for what is measured and how.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHttpStandin } from "../../scripts/standins/http.mjs";
import { burst, load1, sequential, throughput, usage } from "./load.mjs";
import { render, targetsOf } from "./report.mjs";
import { applyD1Migrations, build, inspector, newSqliteBytes, prepare, root, sleep, sqliteFiles, startServer } from "./servers.mjs";
import { SHAPES, floor, flowRunner, workflows } from "./systems.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export const name = "Engine: FlowRunner, Cloudflare Workflows and the platform floor";

/** How many runs of what. `quick` is a smoke test for CI (well under a minute with startup). */
const PLANS = {
  full: {
    latency: [
      { shape: "chain10", count: 200 },
      // The marginal cost per step is a difference of two p50s: enough runs to keep it steady.
      { shape: "chain100", count: 50 },
      { shape: "chain1000", count: 5, counts: { workflows: 3 } },
      { shape: "fanout10", count: 50 },
      { shape: "noop100", count: 20 },
      { shape: "realistic", count: 50 },
    ],
    // The 10-node chain carries the targets; the realistic shape gets a shorter run of its own.
    throughput: [
      { shape: "chain10", clients: 20, durationMs: 10_000, rounds: 4 },
      { shape: "realistic", clients: 20, durationMs: 4_000, rounds: 2 },
    ],
    // 20 runs need well under a second of CPU to start and finish; 200 need several.
    wait: { shape: "wait10", counts: [20, 200] },
    memory: { shapes: ["chain10", "chain100", "chain1000"], reps: 3, counts: { workflows: 1 } },
  },
  quick: {
    latency: [
      { shape: "chain10", count: 3 },
      { shape: "chain100", count: 1 },
      { shape: "chain1000", count: 1, counts: { workflows: 0 } },
      { shape: "fanout10", count: 1 },
      { shape: "noop100", count: 1 },
      { shape: "realistic", count: 3 },
    ],
    throughput: [
      { shape: "chain10", clients: 20, durationMs: 1_000, rounds: 1 },
      { shape: "realistic", clients: 20, durationMs: 1_000, rounds: 1 },
    ],
    wait: { shape: "wait10", counts: [10] },
    memory: { shapes: ["chain10", "chain1000"], reps: 1, counts: { workflows: 0 } },
  },
};

/** Where each system keeps the SQLite storage of one run, under its --persist-to directory. */
const RUN_STORAGE = { flowrunner: "v3/do/flowrunner-ExecutionObject", floor: "v3/do/bench-floor-FloorRun", workflows: "v3/workflows" };

let t0 = performance.now();
const log = (message) => console.error(`bench/engine [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

async function startAll(tmp) {
  const frDir = path.join(tmp, "flowrunner");
  // The API rate limit (600 requests a minute per account by default) would turn a throughput
  // test into a test of the rate limiter; it is a deployment setting, so it is off here. The
  // realistic shape calls a loopback server, which a deployment refuses unless told otherwise.
  const timed = async (what, promise) => {
    const value = await promise;
    log(what);
    return value;
  };
  const [fr, floorPrepared, wfPrepared] = await Promise.all([
    prepare("flowrunner", path.join(root, "wrangler.toml"), frDir, { RATE_LIMIT_REQUESTS: "0", OUTBOUND_PRIVATE_NETWORK: "allow" }),
    prepare("floor", path.join(here, "..", "floor", "wrangler.toml"), path.join(tmp, "floor")),
    prepare("workflows", path.join(here, "..", "workflows", "wrangler.toml"), path.join(tmp, "workflows")),
  ]);
  // Each server starts as soon as its own bundle (and, for FlowRunner, its database) is ready.
  const servers = await Promise.allSettled([
    // The migrations and the dev server start side by side: nothing opens the D1 database before
    // the first request, which waits for both.
    Promise.all([
      timed("flowrunner migrated", applyD1Migrations(fr)),
      timed("flowrunner built", build(fr)).then(() => timed("flowrunner ready", startServer(fr))),
    ]).then(([, server]) => server),
    timed("floor built", build(floorPrepared)).then(() => timed("floor ready", startServer(floorPrepared))),
    timed("workflows built", build(wfPrepared)).then(() => timed("workflows ready", startServer(wfPrepared))),
  ]);
  const failed = servers.filter((s) => s.status === "rejected");
  if (failed.length) {
    await Promise.all(servers.filter((s) => s.status === "fulfilled").map((s) => s.value.stop()));
    throw new Error(`a system did not start:\n${failed.map((f) => f.reason.message).join("\n")}`);
  }
  return servers.map((s) => s.value);
}

/**
 * The isolate's heap after a forced GC. workerd runs the inspector's collectGarbage only when the
 * isolate is next entered (and never answers it), so a cheap request follows it.
 */
async function settledHeap(client, system) {
  client.send("HeapProfiler.collectGarbage", {}, 2000).catch(() => {});
  await sleep(30);
  await fetch(`${system.server.url}${system.pingPath}`).then((r) => r.arrayBuffer());
  await sleep(30);
  return client.heapUsedBytes();
}

/**
 * Memory of one run: the isolate's heap (peak during the run, sampled through the inspector, and
 * what stays after a GC once the run is done: the finished object is still in memory then), the
 * workerd RSS, and the run's own SQLite storage.
 */
async function memoryOf(system, shape, reps) {
  const client = await inspector(system.server.inspectorPort);
  const MiB = 2 ** 20;
  const out = [];
  try {
    await client.send("HeapProfiler.enable");
    for (let i = 0; i < reps; i++) {
      const heapBefore = await settledHeap(client, system);
      const rssBefore = usage(system).rssMiB;
      const storageDir = path.join(system.server.stateDir, RUN_STORAGE[system.id]);
      const filesBefore = sqliteFiles(storageDir);
      let peak = heapBefore;
      let done = false;
      const sampler = (async () => {
        while (!done) {
          peak = Math.max(peak, await client.heapUsedBytes().catch(() => peak));
          await sleep(20);
        }
      })();
      const result = await system.run(shape);
      done = true;
      await sampler;
      peak = Math.max(peak, await client.heapUsedBytes());
      const rssAfter = usage(system).rssMiB;
      const heapAfter = await settledHeap(client, system);
      const storage = newSqliteBytes(storageDir, filesBefore);
      out.push({
        ok: result.ok,
        error: result.error,
        heapPeakGrowthMiB: (peak - heapBefore) / MiB,
        heapRetainedMiB: (heapAfter - heapBefore) / MiB,
        rssGrowthMiB: rssAfter - rssBefore,
        storageKiB: storage ? storage.bytes / 1024 : null,
        storageFiles: storage ? storage.files : [],
      });
    }
  } finally {
    client.close();
  }
  const median = (key) => {
    const values = out
      .map((o) => o[key])
      .filter((v) => v !== null && v !== undefined)
      .sort((a, b) => a - b);
    return values.length ? Number(values[Math.floor((values.length - 1) / 2)].toFixed(3)) : null;
  };
  return {
    system: system.id,
    shape,
    reps,
    errors: out.filter((o) => !o.ok).length,
    errorSamples: out.filter((o) => !o.ok).map((o) => o.error),
    heapPeakGrowthMiB: median("heapPeakGrowthMiB"),
    heapRetainedMiB: median("heapRetainedMiB"),
    rssGrowthMiB: median("rssGrowthMiB"),
    storageKiB: median("storageKiB"),
    storageFiles: out.map((o) => o.storageFiles),
    load: load1(),
  };
}

export async function run({ quick = false, args = [] } = {}) {
  if (args.includes("--node-only")) {
    return { name, rows: [], targets: [], markdown: "Skipped: this suite measures workerd only (`--node-only` was given)." };
  }
  const plan = quick ? PLANS.quick : PLANS.full;
  const started = performance.now();
  t0 = started;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-engine-"));
  log(`building and starting three workers under wrangler dev in ${tmp}`);
  // What the realistic shape's HTTP step calls, in this process: its `/echo` answers the request back.
  const http = await startHttpStandin();
  const servers = await startAll(tmp).catch(async (error) => {
    await http.close();
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw error;
  });
  const [frServer, floorServer, wfServer] = servers;
  const raw = {
    plan,
    startup: Object.fromEntries(servers.map((s) => [s.name, Math.round(s.startupMs)])),
    latency: [],
    throughput: [],
    wait: [],
    memory: [],
  };
  try {
    const httpBase = http.url;
    const systems = [flowRunner(frServer, { httpBase }), floor(floorServer, { httpBase }), workflows(wfServer, { httpBase })];
    const byId = Object.fromEntries(systems.map((s) => [s.id, s]));
    await systems[0].setup(Object.keys(SHAPES));
    await systems[1].setup();
    log(`started in ${((performance.now() - started) / 1000).toFixed(1)} s; measuring`);

    for (const { shape, count, counts = {} } of plan.latency) {
      const eligible = systems.filter((s) => !SHAPES[shape].only || SHAPES[shape].only === s.id);
      const main = eligible.filter((s) => (counts[s.id] ?? count) === count);
      const rest = eligible.filter((s) => (counts[s.id] ?? count) !== count && counts[s.id] > 0);
      log(`${SHAPES[shape].label}: ${count} runs each`);
      const results = await sequential(main, shape, count, { warmup: quick ? 1 : 3 });
      // Systems with their own (smaller) count, e.g. Workflows on 1,000 steps (already warm).
      for (const s of rest) results.push(...(await sequential([s], shape, counts[s.id], { warmup: 0 })));
      raw.latency.push(...results.map((r) => ({ shape, ...r })));
    }

    // Under concurrency the Workflows status calls are spaced out so polling does not crowd the runs.
    const concurrent = systems.map((system) => (system.id === "workflows" ? workflows(wfServer, { pollMs: 20, httpBase }) : system));
    for (const t of plan.throughput) {
      log(
        `throughput of ${SHAPES[t.shape].label}: ${t.clients} clients for ${t.durationMs / 1000} s per system, in ${t.rounds} rounds taking turns`,
      );
      const measured = await throughput(concurrent, t.shape, t, { between: () => sleep(quick ? 200 : 500) });
      raw.throughput.push(...measured.map((r) => ({ shape: t.shape, ...r })));
    }

    for (const count of plan.wait.counts) {
      for (const system of systems) {
        log(`${count} runs of "${SHAPES[plan.wait.shape].label}" at once on ${system.name}`);
        const target = system.id === "workflows" ? workflows(wfServer, { pollMs: 20, httpBase }) : system;
        raw.wait.push({ shape: plan.wait.shape, ...(await burst(target, plan.wait.shape, count)) });
        await sleep(quick ? 200 : 1000);
      }
    }

    for (const shape of plan.memory.shapes) {
      for (const system of systems) {
        const reps = plan.memory.counts[system.id] ?? plan.memory.reps;
        if (reps === 0) continue;
        log(`memory of ${system.name}: ${SHAPES[shape].label}`);
        raw.memory.push(await memoryOf(byId[system.id], shape, reps));
      }
    }

    raw.reloads = Object.fromEntries(servers.map((s) => [s.name, s.reloads()]));
  } finally {
    await Promise.all([...servers.map((s) => s.stop()), http.close()]);
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
  raw.seconds = Number(((performance.now() - started) / 1000).toFixed(1));

  const failures = [
    ...[...raw.latency, ...raw.throughput, ...raw.wait, ...raw.memory]
      .filter((r) => r.errors > 0)
      .map((r) => `${r.system} ${SHAPES[r.shape].label}: ${r.errors} failed runs (${r.errorSamples.join("; ")})`),
    ...Object.entries(raw.reloads ?? {})
      .filter(([, n]) => n > 0)
      .map(([system, n]) => `${system}: wrangler dev reloaded ${n} times during the bench`),
  ];
  const targets = targetsOf(raw);
  const optimisations = readFileSync(path.join(here, "optimisations.md"), "utf8");
  return { name, rows: rowsOf(raw), targets, failures, markdown: render(raw, targets, { quick, optimisations }), raw };
}

/** One flat row per measurement, for the JSON. */
function rowsOf(raw) {
  return [
    ...raw.latency.map((r) => ({ kind: "latency", ...r })),
    ...raw.throughput.map((r) => ({ kind: "throughput", ...r })),
    ...raw.wait.map(({ cpuTimeline: _timeline, ...r }) => ({ kind: "wait", ...r })),
    ...raw.memory.map((r) => ({ kind: "memory", ...r })),
  ];
}
