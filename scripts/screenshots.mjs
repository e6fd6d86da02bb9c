// Makes the screenshots of docs/img/ (referenced from README.md and docs/dashboard.md): starts its own
// FlowRunner under `wrangler dev` with a new account, saves example flows, starts runs that complete,
// fail and wait, then photographs the main pages in Debian's chromium. Usage: npm run screenshots
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { apiClient, flowRunnerWithAccount } from "../bench/engine/account.mjs";
import { sleep } from "../bench/engine/servers.mjs";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "docs/img");
const example = (name) => readFileSync(path.join(root, "examples", name), "utf8");

execFileSync(process.execPath, [path.join(root, "scripts/build-dashboard.mjs"), "--if-stale"], { stdio: "inherit" });
const { chromium } = await import("playwright-core");
const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-screenshots-"));
// The parallel example calls a CRM: a loopback server answering every path with what it was asked.
const crm = createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  res
    .writeHead(200, { "Content-Type": "application/json" })
    .end(JSON.stringify({ path: url.pathname, query: Object.fromEntries(url.searchParams) }));
});
await new Promise((resolve) => crm.listen(0, "127.0.0.1", resolve));
const crmBase = `http://127.0.0.1:${crm.address().port}`;
const { server } = await flowRunnerWithAccount(path.join(tmp, "flowrunner"), { OUTBOUND_PRIVATE_NETWORK: "allow" }, (m) =>
  console.error(m),
);
// The pictures show a person's account, not the generated one the server helper signs up.
const fr = apiClient(server.url);
const password = "correct horse battery staple";
await fr.api("/api/v1/accounts", { method: "POST", body: JSON.stringify({ username: "alice", password }) });
const login = (await fr.api("/api/v1/login", { method: "POST", body: JSON.stringify({ username: "alice", password }) })).body;
const session = { token: login.token, username: login.username, accountId: login.account_id, expiresAt: login.expires_at };
const api = (url, init = {}) => fr.api(url, { ...init, headers: { Authorization: `Bearer ${login.token}`, ...(init.headers ?? {}) } });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: CHROMIUM_ARGS,
});
try {
  const run = async (flowId, input, wait = 10) =>
    (await api(`/api/v1/flows/${flowId}/run?wait=${wait}`, { method: "POST", body: JSON.stringify({ input }) })).body;
  const saveFlow = async (content) => (await api("/api/v1/flows", { method: "POST", body: JSON.stringify({ content }) })).body;
  const approval = await saveFlow(example("approval.yaml"));
  const lanes = await saveFlow(example("branching-conditions.yaml"));
  const parallel = await saveFlow(example("parallel-join.yaml"));
  const failing = await saveFlow(
    [
      "metadata: {name: Import invoices, description: Reads a batch of invoices and books them, tags: [finance]}",
      "nodes:",
      '  read: {type: transform, params: {script: "return { invoices: input.invoices ?? [] }"}, next: {default: check}}',
      "  check: {type: condition, params: {conditions: [{condition: 'input.invoices.length > 0', action: some}], default_action: none}, next: {some: book, none: nothing}}",
      "  book: {type: transform, params: {script: \"if (input.invoices.some((i) => !i.amount)) throw new Error('invoice without an amount'); return { booked: input.invoices.length }\"}}",
      '  nothing: {type: transform, params: {script: "return { booked: 0 }"}}',
    ].join("\n"),
  );
  await run(lanes.id, { id: "o-7", total: 250, country: "DE", express: false });
  await run(lanes.id, { id: "o-8", total: 1200, country: "US", express: true });
  await run(parallel.id, { base: crmBase, customer_id: "c-42", orders: [120, 80, 310] });
  const failed = await run(failing.id, { invoices: [{ id: "inv-1", amount: 120 }, { id: "inv-2" }] });
  const waiting = await run(approval.id, { expense_id: "exp-9", amount: 420, requested_by: "dana" }, 2);
  const done = await run(approval.id, { expense_id: "exp-10", amount: 80, requested_by: "lee" }, 2);
  await api(`/api/v1/executions/${done.execution_id}/events/approval`, {
    method: "POST",
    body: JSON.stringify({ approved: true, by: "sam" }),
  });
  await sleep(1500);

  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1360, height: 940 }, deviceScaleFactor: 1 });
  await context.addInitScript((value) => globalThis.localStorage.setItem("flowrunner.session", value), JSON.stringify(session));
  const page = await context.newPage();
  const shoot = async (url, file, ready, select) => {
    await page.goto(url);
    await page.waitForSelector(ready, { timeout: 20_000 });
    if (select) {
      await page.locator(`[data-testid=flow-graph] [data-node="${select}"]`).click();
      await page.waitForSelector(`text=${select}`);
    }
    await sleep(600);
    await page.screenshot({ path: path.join(out, file) });
    console.log(`docs/img/${file}`);
  };
  await shoot("/flows", "dashboard-flows.png", "table");
  await shoot(`/flows/${approval.id}`, "dashboard-flow.png", "[data-testid=flow-graph] svg");
  await shoot(`/runs/${done.execution_id}`, "dashboard-run.png", "[data-testid=flow-graph] [data-state=completed]", "decide");
  await shoot(`/runs/${failed.execution_id}`, "dashboard-run-failed.png", "[data-testid=flow-graph] [data-state=failed]", "book");
  await shoot(`/runs/${waiting.execution_id}`, "dashboard-run-waiting.png", "[data-testid=flow-graph] [data-state=waiting]");
  await shoot("/runs", "dashboard-runs.png", "table");
  // The editor with a mistake: a node pointing at one that does not exist.
  await page.goto(`/flows/${lanes.id}/edit`);
  await page.waitForSelector(".cm-content");
  await page.waitForSelector("[data-testid=flow-graph] svg"); // the preview of the flow as loaded
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type("\n    next: {default: shipp}");
  await page.waitForSelector(".cm-lintRange-error", { timeout: 10_000 });
  await sleep(800);
  await page.screenshot({ path: path.join(out, "dashboard-editor.png") });
  console.log("docs/img/dashboard-editor.png");
} finally {
  await browser.close();
  await server.stop();
  crm.close();
  await rm(tmp, { recursive: true, force: true });
}
