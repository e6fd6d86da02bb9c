#!/usr/bin/env node
/**
 * CPU profile of the FlowRunner worker (and its execution objects) while it runs one shape.
 *
 *   node bench/engine/profile.mjs [shape] [runs] [--out file.cpuprofile] [--top N]
 *
 * Starts FlowRunner alone under `wrangler dev` (as the bench does), runs `shape` (default chain100)
 * `runs` times (default 20) with V8's sampling profiler on through the inspector, then prints the
 * functions with the most self time and the most inclusive time. The .cpuprofile opens in Chrome
 * DevTools (Performance panel). workerd's clocks stand still during synchronous work, so a profile
 * is the way to see where a step's time goes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startHttpStandin } from "../../scripts/standins/http.mjs";
import { applyD1Migrations, build, inspector, prepare, root, startServer } from "./servers.mjs";
import { SHAPES, flowRunner } from "./systems.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const out = option("--out", undefined);
const top = Number(option("--top", "30"));
const [shape = "chain100", runs = "20"] = args;
if (!SHAPES[shape]) throw new Error(`unknown shape ${shape}; one of ${Object.keys(SHAPES).join(", ")}`);

const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-profile-"));
// As in the suite: no rate limit, and loopback calls allowed for the realistic shape's HTTP step.
const prepared = await prepare("flowrunner", path.join(root, "wrangler.toml"), tmp, {
  RATE_LIMIT_REQUESTS: "0",
  OUTBOUND_PRIVATE_NETWORK: "allow",
});
await Promise.all([build(prepared), applyD1Migrations(prepared)]);
const server = await startServer(prepared);
const http = await startHttpStandin();
try {
  const system = flowRunner(server, { httpBase: http.url });
  await system.setup([shape]);
  for (let i = 0; i < 3; i++) await system.run(shape);
  const client = await inspector(server.inspectorPort);
  await client.send("Profiler.enable");
  await client.send("Profiler.setSamplingInterval", { interval: 100 });
  await client.send("Profiler.start");
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const result = await system.run(shape);
    if (!result.ok) throw new Error(`run failed: ${result.error}`);
    times.push(result.ms);
  }
  const { profile } = await client.send("Profiler.stop", {}, 60_000);
  client.close();
  if (out) await writeFile(out, JSON.stringify(profile));
  times.sort((a, b) => a - b);
  console.log(
    `${runs} runs of ${SHAPES[shape].label}: p50 ${times[Math.floor(times.length / 2)].toFixed(1)} ms (load ${os.loadavg()[0].toFixed(2)})`,
  );
  report(profile, Number(runs), top);
} finally {
  await Promise.all([server.stop(), http.close()]);
  await rm(tmp, { recursive: true, force: true });
}

function report(profile, count, limit) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // As DevTools does: a sample lasts until the next one (timeDeltas[i] is the time before sample i).
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  const label = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map();
  const inclBy = new Map();
  const walk = (node, onStack) => {
    const key = label(node);
    const own = self.get(node.id) ?? 0;
    let total = own;
    const nested = new Set(onStack).add(key);
    for (const child of node.children ?? []) total += walk(byId.get(child), nested);
    selfBy.set(key, (selfBy.get(key) ?? 0) + own);
    if (!onStack.has(key)) inclBy.set(key, (inclBy.get(key) ?? 0) + total);
    return total;
  };
  const all = walk(profile.nodes[0], new Set());
  const idle = [...selfBy].filter(([k]) => k.startsWith("(idle)")).reduce((s, [, v]) => s + v, 0);
  console.log(`busy ${((all - idle) / count).toFixed(2)} ms per run (sampled), idle ${(idle / count).toFixed(2)} ms per run\n`);
  const print = (title, map) => {
    console.log(title);
    for (const [k, v] of [...map]
      .filter(([k]) => !k.startsWith("(idle)") && !k.startsWith("(root)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)) {
      console.log(`${(v / count).toFixed(3).padStart(9)} ms/run  ${k}`);
    }
    console.log("");
  };
  print("self time", selfBy);
  print("inclusive time", inclBy);
}
