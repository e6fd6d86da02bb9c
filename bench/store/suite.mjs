/**
 * The "Store" suite of `npm run bench` (see scripts/bench.mjs for the suite contract), against
 * FlowRunner under `wrangler dev` on this machine:
 *   - a flow of 100 `store` operations (set and get taking turns, each on its own key) against a chain
 *     of 100 transforms and a chain of 100 no-op conditions (no sandbox call), one run at a time,
 *     taking turns: the store's added cost per operation = (p50 difference) / 100 (target ≤ 0.5 ms
 *     against the transforms);
 *   - increments per second on one key from 20 concurrent runs, each incrementing it 10 times (a batch
 *     over 10 items), and the final value read back through the API: none may be lost.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chainFlow } from "../engine/flows.mjs";
import { load1, stats } from "../engine/load.mjs";
import { flowRunnerWithAccount } from "../engine/account.mjs";

export const name = "Store: the key-value store's cost per operation and increments under contention";

const PLANS = {
  full: { runs: 30, concurrent: 20, perRun: 10, rounds: 3 },
  quick: { runs: 4, concurrent: 20, perRun: 10, rounds: 1 },
};

let t0 = performance.now();
const log = (message) => console.error(`bench/store [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

const chain = (label, node) => chainFlow(label, 100, node);

const FLOWS = {
  store: chain("store100", (i) =>
    i % 2 === 0
      ? ["type: store", `params: {operation: set, key: "k${i}", value: {n: ${i}, run: "\${execution.id}"}}`]
      : ["type: store", `params: {operation: get, key: "k${i - 1}"}`],
  ),
  reads: chain("get100", (i) => ["type: store", `params: {operation: get, key: "k${i % 50}"}`]),
  writes: chain("set100", (i) => ["type: store", `params: {operation: set, key: "w${i}", value: {n: ${i}}}`]),
  transform: chain("transform100", () => ["type: transform", `params: {script: "return { n: 1 }"}`]),
  noop: chain("noop100", () => ["type: condition", `params: {conditions: [{condition: "input.n", action: stop}]}`]),
};

async function perOperation(fr, runs) {
  const ids = {};
  for (const [key, content] of Object.entries(FLOWS)) ids[key] = (await fr.saveFlow(content)).id;
  const samples = { store: [], reads: [], writes: [], transform: [], noop: [] };
  const kinds = Object.keys(samples);
  for (let i = 0; i < 2; i++) for (const kind of kinds) await fr.run(ids[kind], { n: 0 });
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...kinds].reverse() : kinds;
    for (const kind of order) samples[kind].push((await fr.run(ids[kind], { n: 0 })).ms);
  }
  return Object.fromEntries(kinds.map((kind) => [kind, stats(samples[kind])]));
}

async function contention(fr, concurrent, perRun, key) {
  const flowId = (
    await fr.saveFlow(
      `metadata: {name: bench-increments}\nnodes:\n  bump:\n    type: store\n    batch: {items: "\${input.times}"}\n    params: {operation: increment, key: ${key}}\n`,
    )
  ).id;
  const times = Array.from({ length: perRun }, (_, i) => i);
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrent }, () => fr.run(flowId, { times })));
  const seconds = (performance.now() - started) / 1000;
  const final = (await fr.api(`/api/v1/store/${key}`)).body.value;
  const expected = concurrent * perRun;
  return { concurrent, perRun, expected, final, seconds: Number(seconds.toFixed(2)), perSecond: Number((expected / seconds).toFixed(1)) };
}

export async function run({ quick }) {
  t0 = performance.now();
  const plan = quick ? PLANS.quick : PLANS.full;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-store-"));
  const failures = [];
  let server;
  try {
    let fr;
    ({ server, fr } = await flowRunnerWithAccount(path.join(tmp, "flowrunner"), {}, log));

    const per = await perOperation(fr, plan.runs);
    const added = Number(((per.store.p50 - per.transform.p50) / 100).toFixed(3));
    const overNoop = Number(((per.store.p50 - per.noop.p50) / 100).toFixed(3));
    log(`100 store ops p50 ${per.store.p50} ms, 100 transforms ${per.transform.p50} ms, 100 no-ops ${per.noop.p50} ms`);
    const rounds = [];
    for (let i = 0; i < plan.rounds; i++) rounds.push(await contention(fr, plan.concurrent, plan.perRun, `hits-${i}`));
    for (const round of rounds) {
      log(`increments: ${round.final}/${round.expected} in ${round.seconds} s (${round.perSecond}/s)`);
      if (round.final !== round.expected) failures.push(`lost increments: ${round.final} of ${round.expected}`);
    }
    const best = rounds.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));

    const rows = [
      { measure: "100 store operations (set/get)", ...per.store },
      { measure: "100 store gets", ...per.reads },
      { measure: "100 store sets", ...per.writes },
      { measure: "100 transforms", ...per.transform },
      { measure: "100 no-op conditions", ...per.noop },
    ];
    const targets = [
      { target: "store cost per operation over a transform (p50)", limit: 0.5, value: added, unit: "ms", met: added <= 0.5 },
    ];
    const markdown = [
      `One \`wrangler dev\` (D1), the client on the same machine. Each flow is a 100-node chain, run ${plan.runs} times, one run at a`,
      "time, the flows taking turns; times are the whole API call (`POST /run?wait=60`).",
      "",
      "| flow | n | p50 ms | p90 ms | p99 ms | max ms |",
      "|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.measure} | ${r.n} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`),
      "",
      `- Store cost per operation over a transform (p50 difference / 100): **${added} ms** (target ≤ 0.5 ms); over a no-op node: ${overNoop} ms. Alone: ${Number(((per.reads.p50 - per.transform.p50) / 100).toFixed(3))} ms per get and ${Number(((per.writes.p50 - per.transform.p50) / 100).toFixed(3))} ms per set over a transform (a set waits for the store's commit; neither waits for a checkpoint of the run).`,
      `- Increments on one key: ${best.concurrent} runs started together, each incrementing it ${best.perRun} times: ${best.final} of ${best.expected} counted in ${best.seconds} s, **${best.perSecond} increments/s** (best of ${rounds.length}; every round lost none: ${rounds.every((r) => r.final === r.expected)}).`,
    ].join("\n");
    return {
      name,
      rows: [...rows, ...rounds.map((r) => ({ measure: "increments on one key", ...r }))],
      targets,
      failures,
      markdown,
      raw: { per, rounds },
    };
  } finally {
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
