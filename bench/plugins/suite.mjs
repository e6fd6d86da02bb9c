/**
 * The "plugins" suite of `npm run bench` (see scripts/bench.mjs for the suite contract), against
 * FlowRunner under `wrangler dev` on this machine, with the operator's service-binding plugin
 * (test/fixtures/ops-plugin-worker.js) served by the same `wrangler dev`, and the tickets HTTP plugin
 * (examples/plugins/tickets-http-plugin.mjs) in this process:
 *   - the cost of a plugin node per call: chains of 20 `calc.step` (a JavaScript plugin, QuickJS),
 *     20 `ops.page` (service binding, RPC to another Worker), 20 `tickets.create` (a signed POST over
 *     loopback HTTP) and, for comparison, 20 built-in `transform`s and 20 `http.request`s to the same
 *     server; each against a one-node no-op run, one run at a time, taking turns; per node =
 *     (p50 difference) / 20. Target: a JS plugin node costs at most 2× a `transform`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTicketsPlugin } from "../../examples/plugins/tickets-http-plugin.mjs";
import { apiClient, timeInTurns } from "../engine/account.mjs";
import { chainFlow } from "../engine/flows.mjs";
import { load1 } from "../engine/load.mjs";
import { applyD1Migrations, build, prepare, root, startServer } from "../engine/servers.mjs";

export const name = "Plugins: the cost of a plugin node per call (JavaScript, service binding, HTTP) against built-in nodes";

/** A JavaScript plugin doing what the transform chain does; no side effects, like a transform. */
const CALC = {
  manifest: {
    name: "calc",
    version: "1.0.0",
    description: "Arithmetic",
    nodes: { step: { description: "Answers {n: 1}", params: { type: "object" }, actions: [], side_effects: false } },
  },
  source: "export function step() { return { output: { n: 1 } }; }\n",
};

const PLANS = {
  full: { runs: 30 },
  quick: { runs: 4 },
};
const CHAIN = 20;

let t0 = performance.now();
const log = (message) => console.error(`bench/plugins [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${message} (load ${load1()})`);

const chain = (label, node) => chainFlow(label, CHAIN, node);

const flows = (ticketsUrl) => ({
  js: chain("calc20", () => ["type: calc.step"]),
  service: chain("ops20", (i) => ["type: ops.page", `params: {severity: info, summary: "step ${i}"}`]),
  http: chain("tickets20", (i) => ["type: tickets.create", `params: {title: "step ${i}"}`]),
  httpRequest: chain("http20", () => [
    "type: http.request",
    `params: {url: "${ticketsUrl.replace("/tickets?", "/tickets/received?")}-probe", method: GET}`,
  ]),
  transform: chain("transform20", () => ["type: transform", `params: {script: "return { n: 1 }"}`]),
  noop: `metadata: {name: "bench noop1"}\nnodes:\n  n:\n    type: condition\n    params: {conditions: [{condition: "input.n", action: stop}]}\n`,
});

/** FlowRunner with the ops plugin Worker bound as PLUGIN_OPS, both served by one `wrangler dev`. */
async function startWithServicePlugin(dir) {
  const prepared = await prepare("flowrunner", path.join(root, "wrangler.toml"), dir, {
    RATE_LIMIT_REQUESTS: "0",
    OUTBOUND_PRIVATE_NETWORK: "allow",
  });
  const config = JSON.parse(await readFile(prepared.config, "utf8"));
  config.services = [...(config.services ?? []), { binding: "PLUGIN_OPS", service: "ops-plugin", entrypoint: "OpsPlugin" }];
  await writeFile(prepared.config, `${JSON.stringify(config, null, 2)}\n`);
  const plugin = path.join(dir, "ops-plugin.json");
  await writeFile(
    plugin,
    JSON.stringify({ name: "ops-plugin", main: path.join(root, "test/fixtures/ops-plugin-worker.js"), compatibility_date: "2026-08-01" }),
  );
  await Promise.all([applyD1Migrations(prepared), build(prepared)]);
  return startServer(prepared, { alongside: [plugin] });
}

export async function run({ quick }) {
  t0 = performance.now();
  const plan = quick ? PLANS.quick : PLANS.full;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-plugins-"));
  const tickets = await startTicketsPlugin();
  const failures = [];
  let server;
  try {
    server = await startWithServicePlugin(path.join(tmp, "flowrunner"));
    log("flowrunner and the ops plugin ready");
    const fr = apiClient(server.url);
    await fr.signUp();
    const url = `${tickets.url}/tickets?tenant=bench`;
    const created = (await fr.api("/api/v1/plugins", { method: "POST", body: JSON.stringify({ kind: "http", url }) })).body;
    await fetch(`${tickets.url}/tickets/secret?tenant=bench`, { method: "POST", body: JSON.stringify({ secret: created.secret }) });
    await fr.api("/api/v1/plugins", { method: "POST", body: JSON.stringify({ kind: "js", ...CALC }) });

    const ids = {};
    for (const [kind, content] of Object.entries(flows(url))) ids[kind] = (await fr.saveFlow(content)).id;
    const per = await timeInTurns(fr, ids, plan.runs);
    const perNode = (kind) => Number(((per[kind].p50 - per.noop.p50) / CHAIN).toFixed(3));
    const received = (await (await fetch(`${tickets.url}/tickets/received?tenant=bench`)).json()).length;
    const expected = (2 + plan.runs) * CHAIN;
    if (received !== expected) failures.push(`the tickets plugin accepted ${received} signed calls, not ${expected}`);
    log(
      `20 JS-plugin nodes p50 ${per.js.p50} ms, 20 service-plugin ${per.service.p50} ms, 20 HTTP-plugin ${per.http.p50} ms, 20 transform ${per.transform.p50} ms`,
    );
    const ratio = Number((perNode("js") / perNode("transform")).toFixed(2));

    const rows = [
      { measure: `${CHAIN} calc.step (JavaScript plugin, QuickJS) in one run`, ...per.js },
      { measure: `${CHAIN} ops.page (service-binding plugin) in one run`, ...per.service },
      { measure: `${CHAIN} tickets.create (HTTP plugin, signed POST over loopback)`, ...per.http },
      { measure: `${CHAIN} http.request to the same server`, ...per.httpRequest },
      { measure: `${CHAIN} transform (built-in, QuickJS)`, ...per.transform },
      { measure: "one no-op node (the run's own cost)", ...per.noop },
    ];
    const markdown = [
      `One \`wrangler dev\` (D1) serving FlowRunner and the ops plugin Worker, the client and the tickets HTTP plugin in one Node process on the same machine. Each flow run ${plan.runs}`,
      "times, one run at a time, the flows taking turns; times are the whole API call (`POST /run?wait=60`).",
      "",
      "| measure | n | p50 ms | p90 ms | p99 ms | max ms |",
      "|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.measure} | ${r.n} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`),
      "",
      `- Per node ((chain − no-op) / ${CHAIN}, p50): JavaScript plugin **${perNode("js")} ms**, ${ratio}× a built-in \`transform\` (target ≤ 2×); service-binding plugin **${perNode("service")} ms**, HTTP plugin **${perNode("http")} ms** (an \`http.request\` to the same server: ${perNode("httpRequest")} ms; the difference is signing, the answer's checks and the plugin server's own work), built-in \`transform\` **${perNode("transform")} ms**.`,
      "- The service-binding and HTTP plugins declare `side_effects: true`, so each call is preceded by a checkpoint of the run, as an `http.request` is; the JavaScript plugin, like a `transform`, declares none.",
    ].join("\n");
    return {
      name,
      rows,
      targets: [
        {
          target: "a JavaScript plugin node's cost per call over a built-in transform's (p50)",
          limit: 2,
          value: ratio,
          unit: "×",
          met: ratio <= 2,
        },
      ],
      failures,
      markdown,
      raw: { per, perNode: Object.fromEntries(["js", "service", "http", "httpRequest", "transform"].map((k) => [k, perNode(k)])) },
    };
  } finally {
    await server?.stop();
    await tickets.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
