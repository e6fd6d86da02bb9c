#!/usr/bin/env node
/**
 * What one console line costs a Worker under `wrangler dev` (the bench's harness) and under workerd
 * without wrangler (Miniflare, as in tests): a worker that writes `n` JSON lines the size of
 * FlowRunner's request line per request, timed with n = 0 and n = 20, sequentially, in turns.
 *
 *   node bench/engine/console-cost.mjs [--requests N]
 *
 * `wrangler dev` keeps a DevTools inspector session on the runtime (its inspector proxy), so every
 * console call is also serialised as a DevTools event and sent to it; Miniflare alone only writes
 * the line to the runtime's output. Deployed Workers have no inspector attached.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort, startServer } from "./servers.mjs";

const requests = Number(process.argv[process.argv.indexOf("--requests") + 1]) || 300;
const LINES = 20;

const WORKER = `export default {
  async fetch(request) {
    const n = Number(new URL(request.url).searchParams.get("n"));
    for (let i = 0; i < n; i++)
      console.log(JSON.stringify({ level: "info", msg: "request", method: "POST", route: "/api/v1/flows/:id/run", status: 201,
        duration_ms: 12, request_id: crypto.randomUUID(), account_id: "acc_0123456789abcdefghijklmno", i }));
    return new Response("ok");
  },
};
`;

async function perRequest(base, n) {
  const t = performance.now();
  for (let i = 0; i < requests; i++) await (await fetch(`${base}/?n=${n}`)).text();
  return (performance.now() - t) / requests;
}

/** µs per line: the extra time of `LINES` lines per request, over two rounds taken in turns. */
async function measure(base) {
  for (let i = 0; i < 50; i++) await (await fetch(`${base}/?n=${LINES}`)).text();
  const rounds = [];
  for (let round = 0; round < 2; round++) {
    const none = await perRequest(base, 0);
    const some = await perRequest(base, LINES);
    rounds.push(((some - none) / LINES) * 1000);
  }
  return rounds;
}

async function underMiniflare(dir) {
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import("miniflare");
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new Log(LogLevel.NONE),
      // The lines are read and dropped, as the wrangler dev child's output is below.
      handleStructuredLogs: () => {},
      modules: true,
      modulesRoot: dir,
      scriptPath: path.join(dir, "worker.mjs"),
      compatibilityDate: "2026-08-01",
      port: await freePort(),
    }),
  );
  try {
    const url = await mf.ready;
    return await measure(url.href.replace(/\/$/, ""));
  } finally {
    await mf.dispose();
  }
}

async function underWranglerDev(dir) {
  const server = await startServer({ name: "console-cost", dir, config: path.join(dir, "wrangler.toml") });
  try {
    return await measure(server.url);
  } finally {
    await server.stop();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), "flowrunner-console-"));
try {
  await writeFile(path.join(dir, "worker.mjs"), WORKER);
  await writeFile(path.join(dir, "wrangler.toml"), `name = "console-cost"\nmain = "worker.mjs"\ncompatibility_date = "2026-08-01"\n`);
  const load = os.loadavg()[0].toFixed(2);
  const miniflare = await underMiniflare(dir);
  const wranglerDev = await underWranglerDev(dir);
  const show = (rounds) => rounds.map((us) => `${us.toFixed(0)} µs`).join(", ");
  console.log(`one console line (${LINES} per request, ${requests} requests per round, load ${load}):`);
  console.log(`  workerd under Miniflare: ${show(miniflare)}`);
  console.log(`  workerd under wrangler dev: ${show(wranglerDev)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
