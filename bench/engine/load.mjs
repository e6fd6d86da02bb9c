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

/** `clients` concurrent loops for `durationMs`: completed runs per second, latency, errors. */
export async function throughput(system, shape, { clients, durationMs }) {
  const results = [];
  const before = usage(system);
  const loadBefore = load1();
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) results.push(await system.run(shape));
    }),
  );
  const elapsedMs = performance.now() - started;
  const after = usage(system);
  const ok = results.filter((r) => r.ok).length;
  return summarize(system, results, {
    clients,
    elapsedMs: Math.round(elapsedMs),
    perSecond: Number(((ok * 1000) / elapsedMs).toFixed(1)),
    cpuSeconds: Number((after.cpuSeconds - before.cpuSeconds).toFixed(2)),
    cpuUtilisation: Number(((after.cpuSeconds - before.cpuSeconds) / (elapsedMs / 1000)).toFixed(2)),
    load: [loadBefore, load1()],
  });
}

/**
 * `count` runs started at once. Samples the workerd CPU every 50 ms so the report can show the
 * CPU the system used while the runs were waiting.
 */
export async function burst(system, shape, count) {
  const before = usage(system);
  const loadBefore = load1();
  const samples = [];
  const started = performance.now();
  const timer = setInterval(() => samples.push({ t: Math.round(performance.now() - started), cpuSeconds: usage(system).cpuSeconds - before.cpuSeconds }), 50);
  const finishedAt = [];
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const result = await system.run(shape);
      finishedAt.push(performance.now() - started);
      return result;
    }),
  );
  clearInterval(timer);
  const elapsedMs = performance.now() - started;
  const after = usage(system);
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  return summarize(system, results, {
    count,
    elapsedMs: Math.round(elapsedMs),
    firstDoneMs: Math.round(Math.min(...finishedAt)),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    cpuMsPerRun: Number(((cpuSeconds * 1000) / count).toFixed(2)),
    cpuUtilisation: Number((cpuSeconds / (elapsedMs / 1000)).toFixed(2)),
    rssMiB: [Number(before.rssMiB.toFixed(1)), Number(after.rssMiB.toFixed(1))],
    cpuTimeline: samples,
    load: [loadBefore, load1()],
  });
}
