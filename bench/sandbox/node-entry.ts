/** Node 22 run: the same modules as in workerd; timers advance during synchronous work here. */
import { getSandbox } from "../../src/sandbox";
import { type CaseName, runCase } from "./cases";

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: samples.length, p50: at(0.5), p99: at(0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

/** Per-call latency in ms: `samples` calls timed one by one after `warmup` calls. */
export async function perCall(name: CaseName, samples: number, warmup: number): Promise<Stats> {
  const sandbox = await getSandbox();
  await runCase(sandbox, name, warmup);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await runCase(sandbox, name, 1);
    times.push(performance.now() - start);
  }
  return stats(times);
}

/** Mean cost in ms of one call, from batches (for calls too cheap to time one by one). */
export async function batched(name: CaseName, batch: number, rounds: number): Promise<Stats> {
  const sandbox = await getSandbox();
  await runCase(sandbox, name, batch);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await runCase(sandbox, name, batch);
    times.push((performance.now() - start) / batch);
  }
  return stats(times);
}
