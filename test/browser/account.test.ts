import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, baseUrl, launch, saveFlow, signedIn, type Visitor } from "./browser";

let browser: Browser;
let alice: Visitor & { username: string; token: string };
let receiver: Server;
const received: { headers: Record<string, unknown>; body: string }[] = [];
/** What the first user made, which the second must not see. */
const made: { flowId?: string; runId?: string; webhookId?: string } = {};

beforeAll(async () => {
  browser = await launch();
  alice = await signedIn(browser);
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const text = (page: Page) => page.locator("main").innerText();

describe("account pages", () => {
  it("sets a secret, lists it with its type and never shows its value, then deletes it", async () => {
    const { page, problems } = alice;
    const value = `sk-live-${Date.now()}-do-not-show`;
    await page.goto("/secrets");
    await page.getByRole("button", { name: "Set secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Set secret" });
    await dialog.getByLabel("Name").fill("PAYMENTS_KEY");
    await dialog.getByLabel("Type").selectOption("api_key");
    await dialog.getByLabel("Fields (JSON)").fill(JSON.stringify({ key: value, header_name: "X-Api-Key" }));
    await dialog.getByLabel("Description").fill("Payments provider");
    await dialog.getByLabel("Tags").fill("payments, prod");
    await dialog.getByRole("button", { name: "Save secret" }).click();
    await expect.poll(() => text(page)).toContain("Secret PAYMENTS_KEY saved.");
    const row = page.locator('tr[data-secret="PAYMENTS_KEY"]');
    await expect.poll(() => row.innerText()).toMatch(/api_key[\s\S]*payments[\s\S]*prod[\s\S]*Payments provider/);
    expect(await page.content()).not.toContain(value);
    expect(await page.getByRole("dialog").count()).toBe(0);

    // Filters: by type and by tag.
    await page.getByLabel("Type").selectOption("oauth");
    await expect.poll(() => text(page)).toContain("No secret matches these filters.");
    await page.getByLabel("Type").selectOption("api_key");
    await expect.poll(() => row.count()).toBe(1);

    await row.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete secret" }).click();
    await expect.poll(() => text(page)).toContain("Secret PAYMENTS_KEY deleted.");
    await expect.poll(() => row.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("creates an API token shown once, lists only its prefix after a reload, and revokes it", async () => {
    const { page } = alice;
    await page.goto("/tokens");
    await page.getByRole("button", { name: "Create token" }).click();
    const dialog = page.getByRole("dialog", { name: "Create API token" });
    await dialog.getByLabel("Name").fill("deploy script");
    await dialog.getByLabel("Expires after (days)").fill("30");
    await dialog.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByRole("status").filter({ hasText: "will not be shown again" });
    const token = await shown.getByRole("textbox").inputValue();
    expect(token).toMatch(/^frt_/);
    expect((await api<{ username: string }>(token, "/api/v1/accounts/me")).username).toBe(alice.username);

    await page.reload();
    const row = page.locator("tr", { hasText: "deploy script" });
    await expect.poll(() => row.innerText()).toContain(`${token.slice(0, 12)}…`);
    expect(await page.content()).not.toContain(token);
    expect(await row.innerText()).toContain("active");

    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
    await expect.poll(() => row.innerText()).toContain("revoked");
    const refused = await fetch(`${baseUrl()}/api/v1/accounts/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
  });

  it("lists those actions in the audit log, filters by action and expands a row to its details", async () => {
    const { page } = alice;
    await page.goto("/audit");
    const actions = () => page.locator("tr[data-action]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
    await expect
      .poll(async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        return actions();
      })
      .toEqual(expect.arrayContaining(["secret.created", "secret.deleted", "token.created", "token.revoked", "login.succeeded"]));

    await page.getByLabel("Action").selectOption("token.created");
    await page.waitForURL("**/audit?action=token.created");
    await expect.poll(actions).toEqual(["token.created"]);
    await page.locator('tr[data-action="token.created"]').click();
    await expect.poll(() => page.getByLabel("Details of token.created").innerText()).toContain('"name": "deploy script"');

    await page.getByLabel("Until").fill("2020-01-01T00:00");
    await expect.poll(() => text(page)).toContain("No events match these filters.");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(async () => (await actions()).length).toBeGreaterThan(4);
  });

  it("shows a flow's cron trigger in schedules, pauses it and runs it now", async () => {
    const { page } = alice;
    made.flowId = await saveFlow(
      alice.token,
      [
        "metadata: {name: yearly-report}",
        "triggers:",
        '  - {id: new-year, type: cron, cron: "0 0 1 1 *", timezone: Europe/Paris}',
        "nodes:",
        '  report: {type: transform, params: {script: "return { ok: true }"}}',
      ].join("\n"),
    );
    await page.goto("/schedules");
    const row = page.locator("tr[data-schedule]", { hasText: "yearly-report" });
    await expect.poll(() => row.innerText()).toMatch(/new-year[\s\S]*0 0 1 1 \*[\s\S]*Europe\/Paris[\s\S]*active/);

    await row.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => row.locator(".status").innerText()).toBe("paused");
    await expect.poll(() => row.getByRole("button", { name: "Resume" }).count()).toBe(1);

    await row.getByRole("button", { name: "Run now" }).click();
    await page.waitForURL(/\/runs\/exe_\w+$/);
    made.runId = new URL(page.url()).pathname.split("/").pop();
    const run = await api<{ trigger: string }>(alice.token, `/api/v1/executions/${made.runId}`);
    expect(run.trigger).toMatch(/^cron:trg_/);
  });

  it("creates an outbound webhook subscription, shows its secret once and delivers a test", async () => {
    const { page } = alice;
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await page.goto("/webhooks");
    await page.getByRole("button", { name: "New subscription" }).click();
    const dialog = page.getByRole("dialog", { name: "New webhook subscription" });
    await dialog.getByLabel("URL").fill(url);
    await dialog.getByLabel("execution.completed").check();
    await dialog.getByLabel("Description").fill("local receiver");
    await dialog.getByRole("button", { name: "Create subscription" }).click();
    const secret = await page.getByRole("status").filter({ hasText: "will not be shown again" }).getByRole("textbox").inputValue();
    expect(secret).toMatch(/^whsec_/);
    await expect
      .poll(() => page.locator("tr[data-webhook]").innerText())
      .toMatch(/execution\.failed[\s\S]*execution\.completed[\s\S]*enabled/);

    await page.getByRole("link", { name: "Open the subscription" }).click();
    await page.waitForURL(/\/webhooks\/whk_\w+$/);
    made.webhookId = new URL(page.url()).pathname.split("/").pop();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole("button", { name: "Send test" }).click();
    const delivery = page.locator("tr[data-delivery]", { hasText: "webhook.test" });
    await expect.poll(() => delivery.locator(".status").innerText(), { timeout: 15_000 }).toBe("delivered");
    expect(await delivery.innerText()).toContain("204");
    expect(received.some((r) => JSON.parse(r.body).type === "webhook.test" && r.headers["webhook-signature"])).toBe(true);
    await delivery.getByRole("button", { name: "Details" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Attempts" }).innerText()).toContain("204");
    const tests = () => received.filter((r) => (JSON.parse(r.body) as { type: string }).type === "webhook.test");
    await delivery.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => tests().length).toBe(2);
    expect(tests()[1]!.headers["webhook-id"]).toBe(tests()[0]!.headers["webhook-id"]);

    // The inbound tab reads the flows' triggers and lists the webhook ones with their URLs.
    await page.goto("/webhooks?tab=inbound");
    await expect.poll(() => text(page)).toContain("None of your flows has a webhook trigger.");
    await saveFlow(
      alice.token,
      "metadata: {name: order-intake}\ntriggers:\n  - {id: orders, type: webhook}\nnodes:\n  take: {type: transform, params: {script: 'return input'}}\n",
    );
    await page.getByRole("button", { name: "Reload" }).click();
    const inbound = page.getByRole("table", { name: "Inbound webhook triggers" });
    await expect.poll(() => inbound.innerText()).toMatch(/order-intake\s+orders\s+\S*\/hooks\/trg_\w+\s+active/);
  });

  it("browses the store: a key set through the API, one set from the page, and deleting it", async () => {
    const { page } = alice;
    await api(alice.token, "/api/v1/store/config%2Fregion", { method: "PUT", json: { value: { region: "eu", replicas: 3 } } });
    await page.goto("/store");
    await page.getByRole("list", { name: "Keys" }).getByRole("button", { name: "config/region" }).click();
    await expect.poll(() => page.getByLabel("Value").innerText()).toContain('"region": "eu"');
    expect(await page.getByLabel("Key config/region").innerText()).toMatch(/Version\s+1[\s\S]*Expires\s+never/);

    await page.getByRole("button", { name: "Set key" }).click();
    const dialog = page.getByRole("dialog", { name: "Set key" });
    await dialog.getByLabel("Key", { exact: true }).fill("cache/today");
    await dialog.getByLabel("Value (JSON)").fill('{"hits": 7}');
    await dialog.getByLabel("Expires after (TTL)").fill("1h");
    await dialog.getByRole("button", { name: "Save key" }).click();
    const panel = page.getByLabel("Key cache/today");
    await expect.poll(() => panel.innerText()).toContain('"hits": 7');
    expect(await panel.innerText()).not.toMatch(/Expires\s+never/);
    expect(await page.getByRole("list", { name: "Keys" }).innerText()).toMatch(/cache\/today[\s\S]*config\/region/);
    const stored = await api<{ value: unknown }>(alice.token, "/api/v1/store/cache%2Ftoday");
    expect(stored.value).toEqual({ hits: 7 });

    await page.getByLabel("Key prefix").fill("cache/");
    await expect.poll(() => page.getByRole("list", { name: "Keys" }).innerText()).toBe("cache/today");

    await panel.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
    await expect.poll(() => text(page)).toContain("No key starts with “cache/”.");
    const gone = await fetch(`${baseUrl()}/api/v1/store/cache%2Ftoday`, { headers: { Authorization: `Bearer ${alice.token}` } });
    expect(gone.status).toBe(404);
  });

  it("lists built-in node types, creates a JavaScript plugin from the page and test-runs it", async () => {
    const { page, problems } = alice;
    await page.goto("/plugins");
    const builtins = page.getByLabel("Built-in node types");
    await expect.poll(() => builtins.innerText()).toMatch(/transform[\s\S]*/);
    expect(await builtins.getByRole("link").count()).toBeGreaterThan(10);

    await page.getByRole("button", { name: "New plugin" }).click();
    const dialog = page.getByRole("dialog", { name: "New plugin" });
    // The form starts from a working example: a "greet" plugin with a "hello" node.
    await dialog.getByRole("button", { name: "Create plugin" }).click();
    await page.waitForURL("**/plugins/greet");
    await expect.poll(() => text(page)).toContain("greet.hello");

    await page.getByLabel("Params (JSON)").fill('{"name": "Ada"}');
    await page.getByRole("button", { name: "Run test" }).click();
    const result = page.getByLabel("Test result");
    await expect.poll(() => result.innerText()).toContain("ok");
    expect(await result.getByLabel("Output").innerText()).toContain('"greeting": "Hello, Ada"');
    expect(await result.getByLabel("Logs").innerText()).toContain("greeting Ada");

    // Params are checked against the node's schema.
    await page.getByLabel("Params (JSON)").fill("{}");
    await page.getByRole("button", { name: "Run test" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("name");

    // A plugin in use is not deleted: the flows that use it are named, with links.
    const flowId = await saveFlow(alice.token, "metadata: {name: greeter}\nnodes:\n  hi: {type: greet.hello, params: {name: Ada}}\n");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete plugin" }).click();
    const refusal = page.getByRole("dialog").getByRole("alert");
    await expect.poll(() => refusal.innerText()).toContain("These flows use greet");
    expect(await refusal.getByRole("link", { name: "greeter" }).getAttribute("href")).toBe(`/flows/${flowId}`);
    await page.getByRole("dialog").getByRole("button", { name: "Keep the plugin" }).click();
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(problems.filter((p) => !p.includes("400") && !p.includes("409"))).toEqual([]);
  });

  it("shows a second user none of the first user's data, and not-found for their ids", async () => {
    const bob = await signedIn(browser);
    const { page } = bob;
    expect(made.flowId && made.runId && made.webhookId).toBeTruthy();

    const empty: [string, string][] = [
      ["/secrets", "No secrets yet."],
      ["/tokens", "No API tokens yet."],
      ["/schedules", "No schedules"],
      ["/webhooks", "No subscriptions yet."],
      ["/store", "The namespace default is empty."],
    ];
    for (const [path, message] of empty) {
      await page.goto(path);
      await expect.poll(() => text(page), { message: path }).toContain(message);
    }
    await page.goto("/audit");
    await expect.poll(() => page.locator("tr[data-action]").count()).toBeGreaterThan(0);
    expect(await text(page)).not.toContain(alice.username);
    await page.goto("/plugins");
    await expect.poll(() => text(page)).toContain("No plugins yet.");

    await page.goto(`/webhooks/${made.webhookId}`);
    await expect.poll(() => text(page)).toContain("Subscription not found");
    expect(await text(page)).not.toContain("local receiver");
    await page.goto("/plugins/greet");
    await expect.poll(() => text(page)).toContain("Plugin not found");
    await page.goto(`/schedules?flow=${made.flowId}`);
    await expect.poll(() => text(page)).toContain("No schedules for this flow.");

    // Another account's flow and run, opened by their addresses: not found, and nothing of them shown.
    await page.goto(`/flows/${made.flowId}`);
    await expect.poll(() => text(page)).toContain("This flow could not be loaded");
    expect(await text(page)).toContain("not found");
    expect(await text(page)).not.toContain("yearly-report");
    await page.goto(`/runs/${made.runId}`);
    await expect.poll(() => text(page)).toContain("This run could not be loaded");
    expect(await text(page)).toContain("not found");
    expect(await text(page)).not.toContain("yearly-report");
    for (const path of [`/api/v1/flows/${made.flowId}`, `/api/v1/executions/${made.runId}`]) {
      const res = await fetch(`${baseUrl()}${path}`, { headers: { Authorization: `Bearer ${bob.token}` } });
      expect(res.status, path).toBe(404);
    }
    await bob.context.close();
  });
});
