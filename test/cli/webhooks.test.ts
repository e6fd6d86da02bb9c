import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const user = new User("cli-webhooks");
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
let receiver: Server;
let base = "";

const headersOf = (h: IncomingHttpHeaders) => ({
  "webhook-id": String(h["webhook-id"]),
  "webhook-timestamp": String(h["webhook-timestamp"]),
  "webhook-signature": String(h["webhook-signature"]),
});

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(req.url?.startsWith("/down") ? 503 : 204).end(req.url?.startsWith("/down") ? "down for maintenance" : undefined);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await user.login();
  const flow = await user.run([
    "flows",
    "create",
    user.file("echo.yaml", "metadata: {name: Echo}\nnodes:\n  e: {type: transform, params: {script: 'return input'}}\n"),
  ]);
  expect(flow.code, flow.stderr).toBe(0);
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("flowrunner webhooks", () => {
  it("creates a subscription, printing only its secret on stdout, and sends a verifiable test event", async () => {
    const created = await user.run([
      "webhooks",
      "create",
      `${base}/hook`,
      "--event",
      "execution.completed",
      "--flow",
      "Echo",
      "--description",
      "ops",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.stderr).toMatch(
      /^Created webhook subscription whk_\w+ → http:\/\/127\.0\.0\.1:\d+\/hook \(execution\.completed\)\. Store/,
    );
    const id = /whk_\w+/.exec(created.stderr)![0];

    const listed = await user.run(["webhooks", "list", "--json"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain("whsec_");
    expect(json<{ webhooks: { id: string; flow_id: string }[] }>(listed.stdout).webhooks).toEqual([
      expect.objectContaining({ id, description: "ops" }),
    ]);
    const table = await user.run(["webhooks", "list"]);
    expect(table.stdout).toMatch(/ID\s+URL\s+EVENTS\s+FLOW\s+STATE\s+CREATED/);
    expect(table.stdout).toContain("enabled");

    const test = await user.run(["webhooks", "test", id]);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/^webhook\.test msg_\w+ delivered: 204 \(\d+(\.\d+)?m?s\)\n$/);
    const hit = received.at(-1)!;
    expect(new Webhook(secret).verify(hit.body, headersOf(hit.headers))).toMatchObject({
      type: "webhook.test",
      data: { subscription_id: id },
    });

    // A run of the flow: its completion is delivered too.
    const run = await user.run(["run", "Echo", "--wait"]);
    expect(run.code, run.stderr).toBe(0);
    let log = { deliveries: [] as { event_type: string; status: string; id: string }[] };
    for (let i = 0; i < 50 && log.deliveries.length < 2; i++) {
      log = json((await user.run(["webhooks", "deliveries", id, "--json"])).stdout);
      if (log.deliveries.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(log.deliveries.map((d) => [d.event_type, d.status])).toEqual([
      ["execution.completed", "delivered"],
      ["webhook.test", "delivered"],
    ]);
    const deliveries = await user.run(["webhooks", "deliveries", id]);
    expect(deliveries.stdout).toMatch(/ID\s+EVENT\s+STATUS\s+ATTEMPTS\s+LAST\s+CREATED\s+NEXT ATTEMPT/);
    expect(deliveries.stdout).toMatch(/execution\.completed\s+delivered\s+1\s+204 in/);

    const redelivered = await user.run(["webhooks", "redeliver", id, log.deliveries[0]!.id]);
    expect(redelivered.code, redelivered.stderr).toBe(0);
    expect(received.at(-1)!.headers["webhook-id"]).toBe(log.deliveries[0]!.id);

    // A new secret signs from now on.
    const rotated = await user.run(["webhooks", "rotate-secret", id]);
    expect(rotated.code).toBe(0);
    const next = rotated.stdout.trim();
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    expect((await user.run(["webhooks", "test", id])).code).toBe(0);
    const last = received.at(-1)!;
    expect(new Webhook(next).verify(last.body, headersOf(last.headers))).toMatchObject({ type: "webhook.test" });
    expect(() => new Webhook(secret).verify(last.body, headersOf(last.headers))).toThrow();

    const shown = await user.run(["webhooks", "get", id]);
    expect(shown.stdout).toMatch(/state\s+enabled/);
    expect(shown.stdout).not.toContain("whsec_");
  });

  it("reports a failing receiver, refuses to send while disabled, and deletes", async () => {
    const created = await user.run(["webhooks", "create", `${base}/down`, "--json"]);
    expect(created.code).toBe(0);
    const { id } = json<{ id: string; secret: string }>(created.stdout);

    const failed = await user.run(["webhooks", "test", id]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^webhook\.test msg_\w+ not delivered: The receiver answered 503/);
    expect(failed.stdout).toContain("response: down for maintenance");
    expect(failed.stdout).toMatch(/next attempt \d{4}-/);

    expect((await user.run(["webhooks", "disable", id])).stdout).toMatch(/^Disabled webhook subscription whk_/);
    const refused = await user.run(["webhooks", "test", id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: conflict: The subscription is disabled/);
    expect((await user.run(["webhooks", "get", id])).stdout).toMatch(/state\s+disabled\n/);
    expect((await user.run(["webhooks", "enable", id])).code).toBe(0);

    const queued = await user.run(["webhooks", "test", id, "--wait", "0"]);
    expect(queued.code).toBe(2);
    expect(queued.stdout).toMatch(/^Queued webhook\.test msg_\w+; follow it with: flowrunner webhooks deliveries whk_/);

    expect((await user.run(["webhooks", "delete", id, "--yes"])).stdout).toBe(`Deleted webhook subscription ${id}\n`);
    const gone = await user.run(["webhooks", "get", id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: not_found:/);
  });

  it("refuses a URL the server does not accept", async () => {
    const r = await user.run(["webhooks", "create", "http://example.com/hook"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: validation_failed: url must use https/);
    expect(r.stderr).toContain("  url: url must use https");
  });
});
