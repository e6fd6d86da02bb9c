import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTicketsPlugin, type TicketsPlugin } from "../../examples/plugins/tickets-http-plugin.mjs";
import { json, User } from "./helpers";

const user = new User("cli-plugins");
let tickets: TicketsPlugin;
let endpoint = "";
const MANIFEST = {
  name: "chat",
  version: "0.1.0",
  description: "Posts to a chat webhook",
  nodes: {
    post: { description: "Posts a message", params: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
  },
};

beforeAll(async () => {
  tickets = await startTicketsPlugin();
  endpoint = `${tickets.url}/tickets?tenant=cli`;
  await user.login();
});

afterAll(async () => {
  await tickets.close();
});

describe("flowrunner plugins", () => {
  it("adds an http plugin, printing only its secret, tests a node type, and lists it with the built-in types", async () => {
    const created = await user.run(["plugins", "create", "--http", endpoint]);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(created.stderr).toContain("tickets.create");
    const handed = await fetch(`${tickets.url}/tickets/secret?tenant=cli`, { method: "POST", body: JSON.stringify({ secret }) });
    expect(handed.status).toBe(200);

    const tested = await user.run([
      "plugins",
      "test",
      "tickets",
      "create",
      "--params",
      '{"title": "Printer", "priority": "high"}',
      "--input",
      '{"email": "sam@example.com"}',
    ]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toContain("[info] created T-1");
    expect(tested.stdout).toContain("action urgent");
    expect(tested.stdout).toContain('"requester": "sam@example.com"');
    const refused = await user.run(["plugins", "test", "tickets", "reject", "--json"]);
    expect(refused.code).toBe(1);
    expect(json(refused.stdout)).toMatchObject({ ok: false, error: { code: "ticket_rejected" } });

    const listed = await user.run(["plugins", "list", "--json"]);
    const names = json<{ plugins: { name: string; kind: string }[] }>(listed.stdout).plugins.map((p) => `${p.kind}:${p.name}`);
    expect(names).toContain("builtin:transform");
    expect(names).toContain("http:tickets");
    const table = await user.run(["plugins", "list", "--plugins-only"]);
    expect(table.stdout).toMatch(/tickets\s+http\s+1/);
    expect(table.stdout).not.toContain("transform");
    const shown = await user.run(["plugins", "get", "tickets"]);
    expect(shown.stdout).toContain(endpoint);
    expect(shown.stdout).not.toContain(secret);
  });

  it("adds, updates and deletes a js plugin; a delete is refused while a flow uses it", async () => {
    const source = user.file("chat.js", "export async function post(call) { return { output: { sent: call.params.text } }; }\n");
    const manifest = user.file("chat.json", JSON.stringify(MANIFEST));
    const created = await user.run(["plugins", "create", "--js", source, "--manifest", manifest]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe("");
    const updated = await user.run([
      "plugins",
      "update",
      "chat",
      "--source",
      user.file("chat2.js", "export async function post() { return { output: 2 }; }\n"),
      "--json",
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(json(updated.stdout)).toMatchObject({ name: "chat", version: "2" });
    const printed = await user.run(["plugins", "get", "chat", "--source"]);
    expect(printed.stdout).toBe("export async function post() { return { output: 2 }; }\n");

    const flow = await user.run([
      "flows",
      "create",
      user.file("uses.yaml", "metadata: {name: Uses chat}\nnodes:\n  say: {type: chat.post, params: {text: hi}}\n"),
    ]);
    expect(flow.code, flow.stderr).toBe(0);
    // Added through the API while the server runs, the plugin runs in a flow at once (QuickJS under wrangler dev).
    const ran = await user.run(["run", "Uses chat", "--wait", "--json"]);
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    expect(json(ran.stdout)).toMatchObject({ status: "completed", output: 2 });
    const refused = await user.run(["plugins", "delete", "chat", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Uses chat");
    const flowId = /flw_[0-9a-z]+/.exec(flow.stdout + flow.stderr)![0];
    expect((await user.run(["flows", "delete", flowId, "--yes"])).code).toBe(0);
    const deleted = await user.run(["plugins", "delete", "chat", "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await user.run(["plugins", "get", "chat"])).code).toBe(1);
  });

  it("validates a flow using plugin types offline with a warning, not an error", async () => {
    const file = user.file("offline.yaml", "metadata: {name: Offline}\nnodes:\n  open: {type: tickets.create, params: {title: x}}\n");
    const result = await user.run(["validate", file, "--json"]);
    expect(result.code, result.stdout).toBe(0);
    const [report] = json<{ valid: boolean; warnings: { code: string; line: number }[] }[]>(result.stdout);
    expect(report).toMatchObject({ valid: true, warnings: [{ code: "unchecked_plugin_type", line: 3 }] });
  });
});
