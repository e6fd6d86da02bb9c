/**
 * JavaScript plugins in flows: the example chat plugin (examples/plugins/) posting to the loopback
 * server through ctx.http, upload checks with line and column, the runtime's limits holding in a
 * run, and isolation between accounts.
 */
/// <reference types="vite/client" />
import { describe, expect, inject, it } from "vitest";
import chatManifest from "../../examples/plugins/chat-plugin.json";
import chatSource from "../../examples/plugins/chat-plugin.js?raw";
import chatNotify from "../../examples/plugins/chat-notify.yaml?raw";
import type { PluginManifest } from "../../src/plugins/contract";
import { call, expectError, runFlow, saveFlow, signUp, uniqueName, yaml } from "../helpers/api";
import { createPlugin, jsManifest } from "../helpers/plugins";

const HTTP = inject("httpBase");

async function received(key: string): Promise<{ method: string; headers: Record<string, string>; body: string }[]> {
  return (await (await fetch(`${HTTP}/inspected/${key}`)).json()) as { method: string; headers: Record<string, string>; body: string }[];
}

describe("JavaScript plugins in flows", () => {
  it("runs the example chat plugin from the example flow, posting to a loopback chat webhook", async () => {
    const user = await signUp();
    const created = await createPlugin(user, { kind: "js", manifest: chatManifest, source: chatSource });
    expect(created).toMatchObject({ name: "chat", kind: "js", version: "1" });
    const flow = await saveFlow(user, chatNotify);
    const key = uniqueName("chat");
    const run = await runFlow(user, flow, { webhook_url: `${HTTP}/inspect/${key}`, order: { id: "o-7", total: 1500 } });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ posted: true, status: 200, channel: "#big-orders" });
    const [posted] = await received(key);
    expect(posted!.method).toBe("POST");
    expect(JSON.parse(posted!.body)).toEqual({ text: "Large order o-7: 1500 EUR", channel: "#big-orders" });
    expect(posted!.headers["idempotency-key"]).toMatch(new RegExp(`^${run.id}:big_order:`));
    const logs = await (await call(`/api/v1/executions/${run.id}/logs`, { headers: user.auth })).text();
    expect(logs).toContain("chat.post: posted to #big-orders");

    // The same node type called on its own, with sample params.
    const tested = (await (
      await call("/api/v1/plugins/chat/test", {
        method: "POST",
        headers: user.auth,
        json: { node: "post", params: { webhook_url: `${HTTP}/inspect/${key}`, text: "sample" } },
      })
    ).json()) as { ok: boolean; output: unknown; logs: { message: string }[] };
    expect(tested).toMatchObject({
      ok: true,
      output: { posted: true, status: 200, channel: null },
      logs: [{ message: "posted to the default channel" }],
    });
    expect(JSON.parse((await received(key))[1]!.body)).toEqual({ text: "sample" });

    // A 503 from the chat webhook is the plugin's retryable error: the node's retry policy applies.
    const down = await runFlow(
      user,
      await saveFlow(
        user,
        yaml`
metadata: {name: Chat down}
nodes:
  say:
    type: chat.post
    params: {webhook_url: "${HTTP}/status/503", text: hello}
    retry: {max_retries: 1, wait: 10ms}
`,
      ),
    );
    expect(down.status).toBe("failed");
    expect(down.error).toMatchObject({ code: "chat_unavailable", node_id: "say" });
  });

  it("checks an upload with the runtime: a syntax error with its line and column, a missing node function", async () => {
    const user = await signUp();
    const post = (source: string, manifest: PluginManifest = jsManifest("chat")) =>
      call("/api/v1/plugins", { method: "POST", headers: user.auth, json: { kind: "js", manifest, source } });
    const syntax = await expectError(
      await post("export async function post({ params }) {\n  return { output: params.text ;\n}\n"),
      400,
      "validation_failed",
    );
    expect(syntax.message).toMatch(/^source: .* \(line 2/);
    expect(syntax.details).toMatchObject({ field: "source", problems: [{ line: 2 }] });
    const missing = await expectError(await post("export async function other() { return { output: 1 }; }\n"), 400, "validation_failed");
    expect(missing.message).toMatch(/post/);
    // An update is checked the same way, and a refused one leaves the stored version as it was.
    await createPlugin(user, {
      kind: "js",
      manifest: jsManifest("chat"),
      source: "export async function post() { return { output: 1 }; }\n",
    });
    await expectError(
      await call("/api/v1/plugins/chat", { method: "PUT", headers: user.auth, json: { source: "export {" } }),
      400,
      "validation_failed",
    );
    expect(((await (await call("/api/v1/plugins/chat", { headers: user.auth })).json()) as { version: string }).version).toBe("1");
  });

  it("holds the runtime's limits in a run: an endless loop fails the step with plugin_cpu_limit, not retried", async () => {
    const user = await signUp();
    const manifest = jsManifest("loops", {
      nodes: { spin: { description: "", params: { type: "object" }, actions: [], side_effects: false } },
    });
    await createPlugin(user, { kind: "js", manifest, source: "export async function spin() { for (;;) {} }\n" });
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Spin}
nodes:
  spin: {type: loops.spin, retry: {max_retries: 2, wait: 10ms}, next: {error: report}}
  report: {type: transform, params: {script: "return { code: input.code }"}}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ code: "plugin_cpu_limit" });
    const steps = (
      (await (await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth })).json()) as { steps: { node_id: string }[] }
    ).steps;
    expect(steps.filter((s) => s.node_id === "spin")).toHaveLength(1);
  });

  it("follows a declared action's edge, and fails the step on an action the manifest does not declare", async () => {
    const user = await signUp();
    const manifest = jsManifest("triage", {
      nodes: { sort: { description: "", params: { type: "object" }, actions: ["urgent"], side_effects: false } },
    });
    const source = "export async function sort({ input }) { return { output: input.level, action: input.level } }\n";
    await createPlugin(user, { kind: "js", manifest, source });
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Triage}
nodes:
  sort: {type: triage.sort, next: {urgent: page, error: report}}
  page: {type: transform, params: {script: "return { paged: input }"}}
  report: {type: transform, params: {script: "return { code: input.code }"}}
`,
    );
    expect((await runFlow(user, flow, { level: "urgent" })).output).toEqual({ paged: "urgent" });
    expect((await runFlow(user, flow, { level: "sideways" })).output).toEqual({ code: "plugin_protocol_error" });
  });

  it("keeps JS plugins to their account: another account's flow cannot name one, nor run it", async () => {
    const [a, b] = [await signUp(), await signUp()];
    await createPlugin(a, { kind: "js", manifest: chatManifest, source: chatSource });
    const flow = yaml`
metadata: {name: Borrowed}
nodes:
  say: {type: chat.post, params: {webhook_url: "${HTTP}/echo/x", text: hi}}
`;
    const refused = await expectError(
      await call("/api/v1/flows", { method: "POST", headers: { ...b.auth, "Content-Type": "application/yaml" }, body: flow }),
      400,
      "validation_failed",
    );
    expect((refused.details as { errors: { code: string }[] }).errors[0]).toMatchObject({ code: "unknown_node_type" });
    await expectError(
      await call("/api/v1/plugins/chat/test", {
        method: "POST",
        headers: b.auth,
        json: { node: "post", params: { webhook_url: "x", text: "y" } },
      }),
      404,
      "not_found",
    );
    // A's own flow runs it.
    const ok = await runFlow(a, await saveFlow(a, flow));
    expect(ok.status, JSON.stringify(ok.error)).toBe("completed");
  });
});
