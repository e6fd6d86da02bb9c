/**
 * The "Triggers" suite of `npm run bench` (see scripts/bench.mjs for the suite contract), against
 * FlowRunner under `wrangler dev` on this machine:
 *   - a webhook URL against a direct API run: the time until the run is accepted (202 / 201), p50,
 *     taking turns so the machine's load affects both alike (target: ≤ 1.2×);
 *   - how late a schedule fires against its planned time (p50, p99; target p99 ≤ 50 ms): a
 *     schedule ticking every second, its ticks read back from the schedules API (`tick_at`, planned;
 *     `at`, handled);
 *   - outbound webhooks delivered per second with 20 subscriptions to a loopback receiver.
 */
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { load1, stats } from "../engine/load.mjs";
import { sleep } from "../engine/servers.mjs";
import { flowRunnerWithAccount } from "../engine/account.mjs";
import { request } from "../engine/systems.mjs";

export const name = "Triggers: webhook URLs, schedules and outbound webhooks";

const PLANS = {
  full: { webhookRuns: 200, scheduleSeconds: 60, subscriptions: 20, deliveryRuns: 50 },
  quick: { webhookRuns: 5, scheduleSeconds: 6, subscriptions: 20, deliveryRuns: 3 },
};

let t0 = performance.now();
const log = (message) => console.error(`bench/triggers [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

const ECHO_NODE = `nodes:\n  echo: {type: transform, params: {script: "return input"}}\n`;

/** Webhook URL against the API, one call at a time, taking turns. */
async function webhookVersusApi(base, fr, runs) {
  const flow = await fr.saveFlow(`metadata: {name: bench-webhook}\ntriggers:\n  - {type: webhook}\n${ECHO_NODE}`);
  const url = flow.triggers[0].url.replace(/^https?:\/\/[^/]+/, base);
  const samples = { webhook: [], api: [] };
  const errors = [];
  const once = async (kind) => {
    const res =
      kind === "webhook"
        ? await request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"n": 1}' })
        : await request(`${base}/api/v1/flows/${flow.id}/run`, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: fr.auth() },
            body: '{"input": {"n": 1}}',
          });
    if (res.status === (kind === "webhook" ? 202 : 201)) samples[kind].push(res.ms);
    else errors.push(`${kind}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  };
  for (let i = 0; i < 3; i++) for (const kind of ["webhook", "api"]) await once(kind);
  samples.webhook.length = 0;
  samples.api.length = 0;
  for (let i = 0; i < runs; i++) for (const kind of i % 2 ? ["api", "webhook"] : ["webhook", "api"]) await once(kind);
  return { webhook: stats(samples.webhook), api: stats(samples.api), errors };
}

/** A schedule ticking every second; its recent ticks are read every few seconds so none is missed. */
async function scheduleDelay(fr, seconds) {
  const flow = await fr.saveFlow(`metadata: {name: bench-schedule}\ntriggers:\n  - {type: cron, cron: "* * * * * *"}\n${ECHO_NODE}`);
  const id = flow.triggers[0].id;
  const ticks = new Map();
  const read = async () => {
    const schedule = (await fr.api(`/api/v1/schedules/${id}`)).body;
    for (const tick of schedule.recent)
      if (tick.outcome === "started") ticks.set(tick.tick_at, Date.parse(tick.at) - Date.parse(tick.tick_at));
  };
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await sleep(3000);
    await read();
  }
  await fr.api(`/api/v1/flows/${flow.id}/disable`, { method: "POST" });
  await read();
  return { ticks: ticks.size, expected: seconds, delay: stats([...ticks.values()]) };
}

/** A loopback receiver that counts what it gets and answers 204. */
async function receiver() {
  let count = 0;
  const waiters = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      count++;
      for (const w of [...waiters]) if (count >= w.target) w.resolve();
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    count: () => count,
    reached: (target, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (count >= target) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${count} of ${target} deliveries after ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({ target, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function deliveries(fr, subscriptions, runs) {
  const sink = await receiver();
  try {
    const flow = await fr.saveFlow(`metadata: {name: bench-deliveries}\n${ECHO_NODE}`);
    for (let i = 0; i < subscriptions; i++) {
      await fr.api("/api/v1/webhooks", {
        method: "POST",
        body: JSON.stringify({ url: sink.url, events: ["execution.completed"], flow_id: flow.id }),
      });
    }
    const expected = subscriptions * runs;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        fr.api(`/api/v1/flows/${flow.id}/run`, { method: "POST", body: JSON.stringify({ input: { i } }) }),
      ),
    );
    await sink.reached(expected, 120_000);
    const seconds = (performance.now() - started) / 1000;
    return {
      subscriptions,
      runs,
      delivered: sink.count(),
      seconds: Number(seconds.toFixed(2)),
      perSecond: Number((expected / seconds).toFixed(1)),
    };
  } finally {
    await sink.close();
  }
}

export async function run({ quick }) {
  t0 = performance.now();
  const plan = quick ? PLANS.quick : PLANS.full;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-triggers-"));
  const failures = [];
  let server;
  try {
    let fr;
    ({ server, fr } = await flowRunnerWithAccount(path.join(tmp, "flowrunner"), { OUTBOUND_PRIVATE_NETWORK: "allow" }, log));

    const hook = await webhookVersusApi(server.url, fr, plan.webhookRuns);
    failures.push(...hook.errors.slice(0, 3));
    log(`webhook p50 ${hook.webhook.p50} ms, api p50 ${hook.api.p50} ms`);
    const schedule = await scheduleDelay(fr, plan.scheduleSeconds);
    log(`schedule: ${schedule.ticks} ticks, delay p50 ${schedule.delay.p50} ms, p99 ${schedule.delay.p99} ms`);
    const outbound = await deliveries(fr, plan.subscriptions, plan.deliveryRuns);
    log(`outbound: ${outbound.perSecond} deliveries/s`);

    const ratio = Number((hook.webhook.p50 / hook.api.p50).toFixed(2));
    const rows = [
      { measure: "webhook URL → run accepted (202)", ...hook.webhook },
      { measure: "API run → run accepted (201)", ...hook.api },
      { measure: "schedule fire delay", ...schedule.delay },
    ];
    const targets = [
      { target: "webhook / API p50", limit: 1.2, value: ratio, unit: "×", met: ratio <= 1.2 },
      { target: "schedule fire delay p99", limit: 50, value: schedule.delay.p99, unit: "ms", met: schedule.delay.p99 <= 50 },
    ];
    const markdown = [
      `One \`wrangler dev\` (D1), the client on the same machine. Webhook and API calls take turns, ${plan.webhookRuns} of each,`,
      "one at a time; each answers as soon as the run is accepted (the webhook trigger's `response: immediate`).",
      "",
      "| measure | n | p50 ms | p90 ms | p99 ms | max ms |",
      "|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.measure} | ${r.n} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`),
      "",
      `- Webhook URL against a direct API run (p50): **${ratio}×** (target ≤ 1.2×).`,
      `- Schedule: ${schedule.ticks} ticks of a \`* * * * * *\` schedule in ${plan.scheduleSeconds} s; delay = when the schedule object handled the tick minus its planned time: p50 ${schedule.delay.p50} ms, p99 **${schedule.delay.p99} ms** (target ≤ 50 ms).`,
      `- Outbound: ${outbound.subscriptions} subscriptions × ${outbound.runs} runs started together = ${outbound.delivered} signed deliveries to a loopback receiver in ${outbound.seconds} s: **${outbound.perSecond} deliveries/s**.`,
    ].join("\n");
    return {
      name,
      rows: [...rows, { measure: "outbound deliveries", ...outbound }],
      targets,
      failures,
      markdown,
      raw: { hook, schedule, outbound },
    };
  } finally {
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
