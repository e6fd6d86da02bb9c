import { describe, expect, inject, it } from "vitest";
import { createHttpClient } from "../../../src/nodes/capabilities/http";
import type { PluginCall } from "../../../src/plugins/contract";
import { checkJsPlugin, runJsPlugin } from "../../../src/plugins/js";

const HTTP = inject("httpBase");
const http = createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "allow" });
const host = { http, signal: new AbortController().signal };

const source = `
export async function post_message({ params, input, http, log }) {
  const res = await http.fetch(params.url, { method: "POST", headers: { "content-type": "application/json", "x-plugin": "chat" }, body: JSON.stringify({ text: input.text }) });
  log("posted", res.status);
  return { output: { status: res.status, echo: res.json() } };
}
export async function spin() { await null; while (true) {} }
export async function wait() { await new Promise(() => {}) }
`;

function call(node: string, params: PluginCall["params"] = {}, input: PluginCall["input"] = null): PluginCall {
  return { node, params, input, execution: { id: "ex", flow_id: "fl", node_id: "n", attempt: 1, idempotency_key: "ex:n:1:1" } };
}

/** The runtime as the Workers build loads it: the QuickJS .wasm imported as a module, workerd's fetch. */
describe("JavaScript plugins in workerd", () => {
  it("calls the loopback server through ctx.http and returns what it received", async () => {
    const outcome = await runJsPlugin(source, call("post_message", { url: `${HTTP}/echo/plugin` }, { text: "hi" }), host);
    expect(outcome).toMatchObject({ ok: true, action: "default", logs: [{ level: "info", message: "posted 200" }] });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const output = outcome.output as { status: number; echo: { method: string; headers: Record<string, string>; body: string } };
    expect(output.status).toBe(200);
    expect(output.echo.method).toBe("POST");
    expect(output.echo.headers["x-plugin"]).toBe("chat");
    expect(output.echo.body).toBe('{"text":"hi"}');
  });

  it("contains an endless loop after an await, and a never-settling promise, then still serves calls", async () => {
    const spin = await runJsPlugin(source, call("spin"), host);
    expect(spin).toMatchObject({ ok: false, error: { code: "plugin_cpu_limit" } });
    expect(await runJsPlugin(source, call("wait"), host)).toMatchObject({ ok: false, error: { code: "plugin_timeout" } });
    const again = await runJsPlugin(source, call("post_message", { url: `${HTTP}/echo/again` }, { text: "again" }), host);
    expect(again.ok).toBe(true);
  });

  it("refuses a private address under the production policy", async () => {
    const production = {
      http: createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "deny" }),
      signal: host.signal,
    };
    const outcome = await runJsPlugin(source, call("post_message", { url: `${HTTP}/echo/private` }, { text: "x" }), production);
    expect(outcome).toMatchObject({ ok: false, error: { code: "address_not_allowed", retryable: false } });
  });

  it("checks an upload", async () => {
    const manifest = {
      name: "chat",
      version: "1",
      description: "",
      nodes: { post_message: { description: "", params: {}, actions: [], side_effects: true } },
    };
    const problems = await checkJsPlugin(source, manifest);
    expect(problems.map((problem) => problem.message)).toEqual([
      "The source exports spin, which is not a node of the manifest (export only node functions)",
      "The source exports wait, which is not a node of the manifest (export only node functions)",
    ]);
  });
});
