/**
 * Load patterns and statistics. Clients are plain `fetch` calls from Node 22 (undici, keep-alive).
 */
import os from "node:os";
import { clearInterval, setInterval } from "node:timers";
import { processUsage } from "./servers.mjs";

/** Nearest-rank quantiles over successful samples (ms). */
export function stats(values) {
  if (values.length === 0) return { n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const round = (x) => Number(x.toFixed(2));
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    min: round(sorted[0]),
    max: round(sorted.at(-1)),
  };
}

export const load1 = () => Number(os.loadavg()[0].toFixed(2));

/** CPU and RSS of a system's workerd processes, to diff around a measurement. */
export function usage(system) {
  return processUsage(system.server.workerdPids());
}

function summarize(system, results, extra = {}) {
  const ok = results.filter((r) => r.ok);
  const errors = results.filter((r) => !r.ok);
  return {
    system: system.id,
    ...stats(ok.map((r) => r.ms)),
    runs: results.length,
    errors: errors.length,
    errorSamples: [...new Set(errors.map((e) => e.error))].slice(0, 3),
    ...extra,
  };
}

/**
 * `count` runs of `shape` on each system, one at a time, taking turns (A, B, C, A, B, C...) so a
 * change in the machine's load affects every system alike. Returns one summary per system, with
 * the workerd CPU time the runs used.
 */
export async function sequential(systems, shape, count, { warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) for (const system of systems) await system.run(shape);
  const results = new Map(systems.map((s) => [s.id, []]));
  const cpu = new Map(systems.map((s) => [s.id, 0]));
  const loadBefore = load1();
  for (let i = 0; i < count; i++) {
    for (const system of systems) {
      const before = usage(system).cpuSeconds;
      results.get(system.id).push(await system.run(shape));
      cpu.set(system.id, cpu.get(system.id) + usage(system).cpuSeconds - before);
    }
  }
  const load = [loadBefore, load1()];
  return systems.map((s) => summarize(s, results.get(s.id), { load, cpuMsPerRun: Number(((cpu.get(s.id) * 1000) / count).toFixed(2)) }));
}

/**
 * `clients` concurrent loops on each system for `durationMs` in all: completed runs per second,
 * latency, errors. The time is split into `rounds` that take turns across the systems (A, B, C, A,
 * B, C), so a drift in the machine's speed during the measurement hits every system alike.
 */
export async function throughput(systems, shape, { clients, durationMs, rounds = 1 }, { between = async () => {} } = {}) {
  const totals = new Map(systems.map((s) => [s.id, { results: [], elapsedMs: 0, cpuSeconds: 0 }]));
  const loadBefore = load1();
  for (let round = 0; round < rounds; round++) {
    for (const system of systems) {
      const total = totals.get(system.id);
      const before = usage(system);
      const started = performance.now();
      const deadline = started + durationMs / rounds;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < deadline) total.results.push(await system.run(shape));
        }),
      );
      total.elapsedMs += performance.now() - started;
      total.cpuSeconds += usage(system).cpuSeconds - before.cpuSeconds;
      await between();
    }
  }
  const load = [loadBefore, load1()];
  return systems.map((system) => {
    const { results, elapsedMs, cpuSeconds } = totals.get(system.id);
    const ok = results.filter((r) => r.ok).length;
    return summarize(system, results, {
      clients,
      rounds,
      elapsedMs: Math.round(elapsedMs),
      perSecond: Number(((ok * 1000) / elapsedMs).toFixed(1)),
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
      cpuUtilisation: Number((cpuSeconds / (elapsedMs / 1000)).toFixed(2)),
      load,
    });
  });
}

/**
 * `count` runs started at once. Where the system can start a run without waiting for it
 * (`system.start`), each run is started and then awaited, so the report can tell the time it took
 * to accept them all from the time they took to finish; otherwise each is one request (`run`).
 * The workerd CPU is sampled every 50 ms.
 */
export async function burst(system, shape, count) {
  const before = usage(system);
  const loadBefore = load1();
  const samples = [];
  const started = performance.now();
  const since = () => performance.now() - started;
  const timer = setInterval(
    () => samples.push({ t: Math.round(since()), cpuSeconds: Number((usage(system).cpuSeconds - before.cpuSeconds).toFixed(2)) }),
    50,
  );
  const runs = await Promise.all(
    Array.from({ length: count }, async () => {
      if (!system.start) {
        const result = await system.run(shape);
        return { ...result, doneAt: since() };
      }
      const accepted = await system.start(shape);
      const acceptedAt = since();
      if (!accepted.ok) return { ...accepted, acceptedAt, doneAt: acceptedAt };
      const result = await accepted.done();
      return { ...result, ms: since() - acceptedAt, acceptedAt, doneAt: since() };
    }),
  );
  clearInterval(timer);
  const elapsedMs = since();
  const after = usage(system);
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  const allAcceptedMs = system.start ? Math.max(...runs.map((r) => r.acceptedAt)) : undefined;
  // CPU from the moment every run was accepted until the last one finished: the runs then only wait,
  // wake up and finish.
  const cpuAt = (t) => samples.filter((s) => s.t <= t).at(-1)?.cpuSeconds ?? 0;
  const tailCpu = allAcceptedMs === undefined ? undefined : cpuSeconds - cpuAt(allAcceptedMs);
  const tailSeconds = allAcceptedMs === undefined ? undefined : (elapsedMs - allAcceptedMs) / 1000;
  const server = runs.filter((r) => r.serverMs !== undefined).map((r) => r.serverMs);
  return summarize(system, runs, {
    count,
    elapsedMs: Math.round(elapsedMs),
    firstDoneMs: Math.round(Math.min(...runs.map((r) => r.doneAt))),
    ...(allAcceptedMs === undefined
      ? {}
      : { allAcceptedMs: Math.round(allAcceptedMs), tailCpuUtilisation: Number((tailCpu / tailSeconds).toFixed(2)) }),
    ...(server.length ? { server: stats(server) } : {}),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    cpuMsPerRun: Number(((cpuSeconds * 1000) / count).toFixed(2)),
    cpuUtilisation: Number((cpuSeconds / (elapsedMs / 1000)).toFixed(2)),
    rssMiB: [Number(before.rssMiB.toFixed(1)), Number(after.rssMiB.toFixed(1))],
    cpuTimeline: samples,
    load: [loadBefore, load1()],
  });
}
