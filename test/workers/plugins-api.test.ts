/** The plugins API: versions, the list with built-in node types, secrets shown once, validation, deletes refused in use, isolation. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PluginDetail, PluginSummary, PluginVersionView } from "../../src/services/plugin-schemas";
import { createStorage } from "../../src/storage";
import { call, expectError, saveFlow, signUp, yaml } from "../helpers/api";
import { addTickets, createPlugin, JS_SOURCE, json, jsManifest, ticketsTenant } from "../helpers/plugins";

const USES_TICKETS = yaml`
metadata: {name: Open ticket}
nodes:
  open:
    type: tickets.create
    params: {title: "\${input.title}", priority: high}
`;

describe("plugins API", () => {
  it("creates a js plugin, saves new versions on update, and keeps every version", async () => {
    const user = await signUp();
    const created = await createPlugin(user, { kind: "js", manifest: jsManifest("chat"), source: JS_SOURCE });
    expect(created).toMatchObject({ name: "chat", kind: "js", version: "1", source: JS_SOURCE, url: null });
    expect(created.node_types).toEqual([{ type: "chat.post", description: "Posts a message", actions: [], side_effects: true }]);
    expect(created).not.toHaveProperty("secret");

    const source2 = JS_SOURCE.replace("sent", "posted");
    const updated = await json<PluginDetail>(
      await call("/api/v1/plugins/chat", {
        method: "PUT",
        headers: user.auth,
        json: { source: source2, manifest: jsManifest("chat", { version: "0.2.0" }) },
      }),
      200,
    );
    expect(updated).toMatchObject({ version: "2", source: source2 });
    expect(updated.manifest?.version).toBe("0.2.0");
    const got = await json<PluginDetail>(await call("/api/v1/plugins/chat", { headers: user.auth }), 200);
    expect(got).toEqual(updated);

    const versions = await json<{ versions: PluginVersionView[]; next_cursor: string | null }>(
      await call("/api/v1/plugins/chat/versions?limit=1", { headers: user.auth }),
      200,
    );
    expect(versions.versions.map((v) => [v.version, v.manifest_version])).toEqual([[2, "0.2.0"]]);
    const older = await json<{ versions: PluginVersionView[] }>(
      await call(`/api/v1/plugins/chat/versions?limit=5&cursor=${versions.next_cursor}`, { headers: user.auth }),
      200,
    );
    expect(older.versions.map((v) => v.version)).toEqual([1]);
    expect((await createStorage(env).plugins.getVersion(user.account_id, "chat", 1))?.source).toBe(JS_SOURCE);

    // Renaming through an update is refused: the name is the prefix of the node types flows use.
    const renamed = await call("/api/v1/plugins/chat", { method: "PUT", headers: user.auth, json: { manifest: jsManifest("other") } });
    expect((await expectError(renamed, 400, "validation_failed")).message).toMatch(/manifest.name/);
    await expectError(
      await call("/api/v1/plugins", {
        method: "POST",
        headers: user.auth,
        json: { kind: "js", manifest: jsManifest("chat"), source: JS_SOURCE },
      }),
      409,
      "conflict",
    );
  });

  it("lists built-in node types and the account's plugins, the original's /plugins and /plugins/{name}", async () => {
    const user = await signUp();
    await createPlugin(user, { kind: "js", manifest: jsManifest("chat"), source: JS_SOURCE });
    const { plugins } = await json<{ plugins: PluginSummary[] }>(await call("/api/v1/plugins", { headers: user.auth }), 200);
    expect(plugins.find((p) => p.name === "http.request")).toMatchObject({ kind: "builtin", node_types: ["http.request"] });
    expect(plugins.find((p) => p.name === "chat")).toEqual({
      name: "chat",
      kind: "js",
      description: "Posts a message".replace("Posts a message", "Posts to a chat webhook"),
      version: "1",
      node_types: ["chat.post"],
    });
    // The operator's service-binding plugin is offered to every account.
    expect(plugins.find((p) => p.name === "ops")).toMatchObject({
      kind: "service",
      version: "2026.12.1",
      node_types: ["ops.page", "ops.fail"],
    });
    const builtin = await json<PluginDetail>(await call("/api/v1/plugins/transform", { headers: user.auth }), 200);
    expect(builtin).toMatchObject({ name: "transform", kind: "builtin", manifest: null });
    expect(builtin.params.transform).toMatchObject({ type: "object" });
    await expectError(await call("/api/v1/plugins/nothing_here", { headers: user.auth }), 404, "not_found");
  });

  it("adds an http plugin with its manifest fetched from the endpoint, and shows the signing secret only once", async () => {
    const user = await signUp();
    const { plugin, url } = await addTickets(user);
    expect(plugin).toMatchObject({ name: "tickets", kind: "http", version: "1", url, source: null });
    const secret = (plugin as { secret?: string }).secret!;
    const got = await call("/api/v1/plugins/tickets", { headers: user.auth });
    const text = await got.text();
    expect(got.status).toBe(200);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("whsec_");
    const list = await (await call("/api/v1/plugins", { headers: user.auth })).text();
    expect(list).not.toContain("whsec_");
    const row = await createStorage(env).plugins.get(user.account_id, "tickets");
    expect(row?.secret_ciphertext).not.toContain(secret.slice("whsec_".length));

    // A new version keeps the secret; rotate_secret makes a new one, shown in that answer only.
    const kept = await json<PluginDetail & { secret?: string }>(
      await call("/api/v1/plugins/tickets", { method: "PUT", headers: user.auth, json: { url: `${url}&v=2` } }),
      200,
    );
    expect(kept).toMatchObject({ version: "2", url: `${url}&v=2` });
    expect(kept.secret).toBeUndefined();
    const rotated = await json<PluginDetail & { secret?: string }>(
      await call("/api/v1/plugins/tickets", { method: "PUT", headers: user.auth, json: { rotate_secret: true } }),
      200,
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
  });

  it("refuses bad uploads with a 400 envelope naming the field", async () => {
    const user = await signUp();
    const post = (body: unknown) => call("/api/v1/plugins", { method: "POST", headers: user.auth, json: body });
    await expectError(await post({ kind: "js", manifest: jsManifest("Bad Name"), source: JS_SOURCE }), 400, "validation_failed");
    await expectError(await post({ kind: "js", manifest: jsManifest("chat"), source: "" }), 400, "validation_failed");
    const reserved = await expectError(
      await post({ kind: "js", manifest: jsManifest("http"), source: JS_SOURCE }),
      400,
      "validation_failed",
    );
    expect(reserved.message).toMatch(/built-in/);
    const schema = jsManifest("chat", { nodes: { post: { description: "", params: { type: "array" }, actions: [], side_effects: true } } });
    expect((await expectError(await post({ kind: "js", manifest: schema, source: JS_SOURCE }), 400, "validation_failed")).message).toMatch(
      /object schema/,
    );
    const badUrl = await expectError(
      await post({ kind: "http", url: "ftp://example.com/x", manifest: jsManifest("chat") }),
      400,
      "validation_failed",
    );
    expect(badUrl.details).toMatchObject({ field: "url" });
    const silent = await expectError(
      await post({ kind: "http", url: `${ticketsTenant().url()}`.replace("/tickets?", "/nothing?") }),
      400,
      "validation_failed",
    );
    expect(silent.details).toMatchObject({ field: "manifest" });
    // The operator's plugin name is taken for every account.
    await expectError(await post({ kind: "js", manifest: jsManifest("ops"), source: JS_SOURCE }), 409, "conflict");
  });

  it("validates flows using plugin types against the plugin's schema, with line and column", async () => {
    const user = await signUp();
    await addTickets(user);
    const flow = yaml`
metadata: {name: Tickets}
nodes:
  open:
    type: tickets.create
    params:
      title: ""
      priority: urgent
      colour: red
    next: {urgent: done, nope: done}
  done: {type: transform, params: {script: "return input"}}
`;
    const res = await call("/api/v1/flows", { method: "POST", headers: { ...user.auth, "Content-Type": "application/yaml" }, body: flow });
    const error = await expectError(res, 400, "validation_failed");
    const { errors } = error.details as {
      errors: { code: string; message: string; line: number; column: number; path: (string | number)[] }[];
    };
    const at = (param: string) => errors.find((e) => e.path.join(".") === `nodes.open.params.${param}`);
    expect(at("title")).toMatchObject({ code: "invalid_param", line: 6, column: 14 });
    expect(at("priority")).toMatchObject({ code: "invalid_param", line: 7, column: 17 });
    expect(at("colour")).toMatchObject({ code: "unknown_param", line: 8 });

    // A required param missing, and a template where a value is checked only at run time.
    const missing = yaml`
metadata: {name: Tickets}
nodes:
  open: {type: tickets.create, params: {priority: "\${input.p}"}}
`;
    const second = await expectError(
      await call("/api/v1/flows", { method: "POST", headers: { ...user.auth, "Content-Type": "application/yaml" }, body: missing }),
      400,
      "validation_failed",
    );
    const issues = (second.details as { errors: { code: string; path: string[]; line: number }[] }).errors;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "missing_param", line: 3 });
    expect(issues[0]!.path.join(".")).toBe("nodes.open.params.title");

    // A valid flow saves, and the validate endpoint agrees.
    await saveFlow(user, USES_TICKETS);
    const validated = await call("/api/v1/flows/validate", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: USES_TICKETS,
    });
    expect(await validated.json()).toMatchObject({ valid: true, errors: [], warnings: [] });
  });

  it("refuses to delete a plugin a flow uses, naming the flow, then deletes it once unused", async () => {
    const user = await signUp();
    await addTickets(user);
    const flowId = await saveFlow(user, USES_TICKETS);
    const refused = await expectError(await call("/api/v1/plugins/tickets", { method: "DELETE", headers: user.auth }), 409, "conflict");
    expect(refused.details).toEqual({ flows: [{ id: flowId, name: "Open ticket" }] });
    expect((await call(`/api/v1/flows/${flowId}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    expect((await call("/api/v1/plugins/tickets", { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await call("/api/v1/plugins/tickets", { headers: user.auth }), 404, "not_found");
    expect(await createStorage(env).plugins.getVersion(user.account_id, "tickets", 1)).toBeNull();
  });

  it("keeps accounts apart: B cannot see, change, delete, test or use A's plugin", async () => {
    const [a, b] = [await signUp(), await signUp()];
    await addTickets(a);
    await expectError(await call("/api/v1/plugins/tickets", { headers: b.auth }), 404, "not_found");
    const listed = await json<{ plugins: PluginSummary[] }>(await call("/api/v1/plugins", { headers: b.auth }), 200);
    expect(listed.plugins.map((p) => p.name)).not.toContain("tickets");
    await expectError(
      await call("/api/v1/plugins/tickets", { method: "PUT", headers: b.auth, json: { rotate_secret: true } }),
      404,
      "not_found",
    );
    await expectError(await call("/api/v1/plugins/tickets", { method: "DELETE", headers: b.auth }), 404, "not_found");
    await expectError(
      await call("/api/v1/plugins/tickets/test", { method: "POST", headers: b.auth, json: { node: "create", params: { title: "x" } } }),
      404,
      "not_found",
    );
    await expectError(await call("/api/v1/plugins/tickets/versions", { headers: b.auth }), 404, "not_found");
    const res = await call("/api/v1/flows", {
      method: "POST",
      headers: { ...b.auth, "Content-Type": "application/yaml" },
      body: USES_TICKETS,
    });
    const error = await expectError(res, 400, "validation_failed");
    const [first] = (error.details as { errors: { code: string; message: string; line: number }[] }).errors;
    expect(first).toMatchObject({ code: "unknown_node_type", line: 4 });
    expect(first!.message).toMatch(/no plugin 'tickets' is available to this account/);
    // B may have a plugin of the same name: names are per account.
    await addTickets(b);
  });

  it("serves the account's flow JSON Schema with its plugin node types", async () => {
    const [a, b] = [await signUp(), await signUp()];
    await addTickets(a);
    const schema = await json<{ $defs: Record<string, { properties?: Record<string, unknown> }> }>(
      await call("/api/v1/flows/schema", { headers: a.auth }),
      200,
    );
    expect(schema.$defs["params.tickets.create"]?.properties).toHaveProperty("title");
    expect(schema.$defs["params.ops.page"]?.properties).toHaveProperty("severity");
    expect(schema.$defs["params.transform"]).toBeDefined();
    const other = await json<{ $defs: Record<string, unknown> }>(await call("/api/v1/flows/schema", { headers: b.auth }), 200);
    expect(other.$defs["params.tickets.create"]).toBeUndefined();
  });

  it("records audit rows for create, update and delete", async () => {
    const user = await signUp();
    await createPlugin(user, { kind: "js", manifest: jsManifest("chat"), source: JS_SOURCE });
    await call("/api/v1/plugins/chat", { method: "PUT", headers: user.auth, json: { source: JS_SOURCE } });
    await call("/api/v1/plugins/chat", { method: "DELETE", headers: user.auth });
    const deadline = Date.now() + 5_000;
    let actions: string[] = [];
    while (Date.now() < deadline) {
      const page = await json<{ events: { action: string; target_id: string }[] }>(
        await call("/api/v1/audit?limit=20", { headers: user.auth }),
        200,
      );
      actions = page.events.filter((e) => e.target_id === "chat").map((e) => e.action);
      if (actions.length === 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(actions.sort()).toEqual(["plugin.created", "plugin.deleted", "plugin.updated"]);
  });
});
