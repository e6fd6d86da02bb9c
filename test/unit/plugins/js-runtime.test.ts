import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, type HttpClient } from "../../../src/nodes/capabilities/http";
import type { PluginCall, PluginOutcome } from "../../../src/plugins/contract";
import { createJsPluginRuntime } from "../../../src/plugins/js/runtime";
import { nodeModuleFactory } from "../../helpers/quickjs-node";

const plugins = createJsPluginRuntime(nodeModuleFactory);

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({ method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (path === "/hang") return;
      if (path === "/slow") return void setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), 150);
      if (path === "/big") return void res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(64 * 1024));
      if (path === "/fail") return void res.writeHead(503, { "content-type": "text/plain" }).end("down");
      res.writeHead(201, { "content-type": "application/json", "x-echo": "yes" }).end(JSON.stringify({ got: path }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const devHttp = createHttpClient({ fetch: globalThis.fetch, privateNetwork: "allow" });
const productionHttp = createHttpClient({ fetch: globalThis.fetch, privateNetwork: "deny" });

function makeCall(node: string, params: PluginCall["params"] = {}, input: PluginCall["input"] = null): PluginCall {
  return {
    node,
    params,
    input,
    execution: { id: "ex_1", flow_id: "fl_1", node_id: "n1", attempt: 1, idempotency_key: "ex_1:n1:1:1" },
  };
}

function run(
  source: string,
  call: PluginCall,
  options: { http?: HttpClient; signal?: AbortSignal; limits?: Parameters<typeof plugins.run>[3] } = {},
) {
  return plugins.run(
    source,
    call,
    { http: options.http ?? devHttp, signal: options.signal ?? new AbortController().signal },
    options.limits,
  );
}

function failed(outcome: PluginOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.output)}`);
  return outcome.error;
}

/** After every hostile call the runtime must still serve an ordinary one. */
async function expectHealthy(): Promise<void> {
  const outcome = await run(
    "export async function ping({ input }) { return { output: input.map((x) => x * 2) } }",
    makeCall("ping", {}, [1, 2]),
  );
  expect(outcome).toEqual({ ok: true, output: [2, 4], action: "default", logs: [] });
}

describe("node functions", () => {
  const source = `
export async function greet({ params, input, execution, log }) {
  log("greeting", params.name);
  log("warn", { careful: true });
  return { output: { text: "hello " + params.name, n: input.n + 1, key: execution.idempotency_key }, action: "greeted" };
}
export function plain({ input }) { return { output: input } }
export async function nothing() {}
export async function refuse() { return { error: { code: "quota_exceeded", message: "no more", retryable: true } } }
export async function boom() { null.x }
export async function coded() { const e = new Error("rate limited"); e.code = "upstream_429"; e.retryable = true; throw e }
export async function throwsString() { throw "plain text" }
export async function typo() { return { ouput: 1 } }
export async function bad_action() { return { output: 1, action: "Not An Action" } }
`;

  it("gets params, input and execution, returns output and action, logs", async () => {
    const outcome = await run(source, makeCall("greet", { name: "Ada" }, { n: 41 }));
    expect(outcome).toEqual({
      ok: true,
      output: { text: "hello Ada", n: 42, key: "ex_1:n1:1:1" },
      action: "greeted",
      logs: [
        { level: "info", message: "greeting Ada" },
        { level: "warn", message: '{"careful":true}' },
      ],
    });
  });

  it("a plain function works, and returning nothing is refused", async () => {
    expect(await run(source, makeCall("plain", {}, [1, "a"]))).toMatchObject({ ok: true, output: [1, "a"], action: "default" });
    expect(failed(await run(source, makeCall("nothing"))).code).toBe("plugin_invalid_result");
  });

  it("a returned error keeps its code and retryable flag", async () => {
    expect(failed(await run(source, makeCall("refuse")))).toEqual({ code: "quota_exceeded", message: "no more", retryable: true });
  });

  it("a thrown error is plugin_error, not retryable, with the plugin's position", async () => {
    const error = failed(await run(source, makeCall("boom")));
    expect(error.code).toBe("plugin_error");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^TypeError: .*\(at boom, plugin\.js:10:\d+\)$/);
  });

  it("a thrown error may set its code and retryable", async () => {
    expect(failed(await run(source, makeCall("coded")))).toMatchObject({
      code: "upstream_429",
      retryable: true,
      message: expect.stringMatching(/^Error: rate limited/),
    });
    expect(failed(await run(source, makeCall("throwsString")))).toEqual({
      code: "plugin_error",
      message: "Uncaught plain text",
      retryable: false,
    });
  });

  it("results of the wrong shape are refused with a clear message", async () => {
    expect(failed(await run(source, makeCall("typo")))).toMatchObject({
      code: "plugin_invalid_result",
      message: expect.stringContaining("ouput"),
    });
    expect(failed(await run(source, makeCall("bad_action"))).code).toBe("plugin_invalid_result");
  });

  it("a node the source does not export is plugin_node_missing", async () => {
    expect(failed(await run(source, makeCall("absent"))).code).toBe("plugin_node_missing");
  });

  it("a source that does not compile is plugin_invalid_source", async () => {
    expect(failed(await run("export async function f( {", makeCall("f"))).code).toBe("plugin_invalid_source");
  });
});

describe("isolation", () => {
  it("the host's globals are not there", async () => {
    const source = `export async function probe() {
      return { output: [typeof fetch, typeof process, typeof require, typeof env, typeof globalThis.env, typeof setTimeout,
        typeof console, typeof WebAssembly, typeof std, typeof os, typeof caches, typeof crypto, typeof hostFetch, typeof hostLog] } }`;
    const outcome = await run(source, makeCall("probe"));
    expect(outcome).toMatchObject({ ok: true, output: Array(14).fill("undefined") });
  });

  it("globals a call leaves behind are gone in the next call", async () => {
    const source = `export async function set() { globalThis.leak = "secret"; Object.prototype.polluted = 1; return { output: 1 } }
export async function get() { return { output: [typeof leak, typeof {}.polluted] } }`;
    await run(source, makeCall("set"));
    expect(await run(source, makeCall("get"))).toMatchObject({ ok: true, output: ["undefined", "undefined"] });
  });
});

describe("limits", () => {
  it("params and input too large for the heap are refused before they are copied in", async () => {
    const outcome = await run("export async function f() { return { output: 1 } }", makeCall("f", {}, "x".repeat(5 * 1024 * 1024)));
    expect(failed(outcome)).toMatchObject({ code: "plugin_memory_limit", message: expect.stringContaining("too large") });
    await expectHealthy();
  });

  it("output too large", async () => {
    const source = `export async function big() { return { output: "x".repeat(2000) } }`;
    expect(failed(await run(source, makeCall("big"), { limits: { outputBytes: 1000 } })).code).toBe("plugin_output_limit");
  });

  it.each([
    ["a synchronous endless loop", "export async function spin() { while (true) {} }"],
    ["an endless loop after an await", "export async function spin() { await null; for (;;) {} }"],
    [
      "an endless loop that catches its own interruption",
      "export async function spin() { for (;;) { try { while (true) {} } catch (e) {} } }",
    ],
    ["an endless loop at the module's top level", "while (true) {}\nexport async function spin() {}"],
    [
      "a loop waiting for the clock to move on",
      "export async function spin() { const t = Date.now(); while (Date.now() - t < 600000) {} }",
    ],
  ])("%s → plugin_cpu_limit", async (_name, source) => {
    expect(failed(await run(source, makeCall("spin"))).code).toBe("plugin_cpu_limit");
    await expectHealthy();
  });

  it("the budget spans awaits: slices after host calls add up", async () => {
    // Each slice alone is well inside the budget; together they exceed it.
    const source = `export async function slices({ http, params }) {
      let n = 0;
      for (let i = 0; i < 20; i++) { await http.fetch(params.url); for (let j = 0; j < 100000; j++) n++; }
      return { output: n } }`;
    const single = `export async function slices() { let n = 0; for (let j = 0; j < 100000; j++) n++; return { output: n } }`;
    expect(await run(single, makeCall("slices"), { limits: { instructionBudget: 60 } })).toMatchObject({ ok: true, output: 100000 });
    const error = failed(
      await run(source, makeCall("slices", { url: `${base}/slice` }), { limits: { instructionBudget: 60, maxHttpCalls: 50 } }),
    );
    expect(error.code).toBe("plugin_cpu_limit");
  });

  it("a promise-job storm → plugin_cpu_limit", async () => {
    const source = `export async function storm() { let n = 0; const spin = () => { n++; return Promise.resolve().then(spin) }; spin(); await null; return { output: n } }`;
    const error = failed(await run(source, makeCall("storm"), { limits: { maxJobs: 10_000, instructionBudget: 100_000 } }));
    expect(error).toMatchObject({ code: "plugin_cpu_limit", message: expect.stringContaining("10000 promise jobs") });
    await expectHealthy();
  });

  it("a result whose toJSON never ends, and an error whose message getter never ends → plugin_cpu_limit", async () => {
    const source = `export async function json() { return { output: { toJSON() { for (;;) {} } } } }
export async function getter() { throw { name: "E", get message() { for (;;) {} } } }`;
    expect(failed(await run(source, makeCall("json"))).code).toBe("plugin_cpu_limit");
    expect(failed(await run(source, makeCall("getter"))).code).toBe("plugin_cpu_limit");
    await expectHealthy();
  });

  it("replacing JSON or Promise at the top level does not change what the host reads", async () => {
    const source = `JSON.stringify = () => '{"output":"forged"}'; JSON.parse = () => ({ forged: true }); Promise.resolve = () => 1;
Object.freeze = (o) => o;
export async function honest({ input }) { return { output: { doubled: input * 2 } } }`;
    expect(await run(source, makeCall("honest", {}, 21))).toEqual({ ok: true, output: { doubled: 42 }, action: "default", logs: [] });
  });

  it("a memory bomb after a host call → plugin_memory_limit", async () => {
    const source = `export async function bomb({ http, params }) { await http.fetch(params.url); const a = []; for (;;) a.push("x".repeat(1 << 16) + a.length) }`;
    const outcome = await run(source, makeCall("bomb", { url: `${base}/bomb` }), { limits: { instructionBudget: 100_000 } });
    expect(failed(outcome).code).toBe("plugin_memory_limit");
    await expectHealthy();
  });

  it("a memory bomb → plugin_memory_limit, and the engine is replaced", async () => {
    const source = `export async function bomb() { const a = []; for (;;) a.push("x".repeat(1 << 16) + a.length) }`;
    expect(failed(await run(source, makeCall("bomb"), { limits: { instructionBudget: 100_000 } })).code).toBe("plugin_memory_limit");
    await expectHealthy();
  });

  it("deep recursion → plugin_stack_limit", async () => {
    const source = `function f(n) { return f(n + 1) + 1 }\nexport async function deep() { return { output: f(0) } }`;
    const error = failed(await run(source, makeCall("deep")));
    expect(error.code).toBe("plugin_stack_limit");
    expect(error.message).toMatch(/stack overflow/);
    await expectHealthy();
  });

  it("a never-resolving promise → plugin_timeout", async () => {
    const source = `export async function wait() { await new Promise(() => {}) }`;
    expect(failed(await run(source, makeCall("wait")))).toMatchObject({
      code: "plugin_timeout",
      message: expect.stringContaining("nothing can settle"),
    });
  });

  it("a host call that never answers → plugin_timeout at the wall-time limit", async () => {
    const source = `export async function hang({ http, params }) { await http.fetch(params.url); return { output: 1 } }`;
    const started = Date.now();
    const error = failed(
      await run(source, makeCall("hang", { url: `${base}/hang` }), { limits: { wallTimeMs: 300, httpTimeoutMs: 60_000 } }),
    );
    // The deadline caps the call's own timeout, so the call may report first; either way it ends at ~300 ms.
    expect(["plugin_timeout", "http_timeout"]).toContain(error.code);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("the wall-time limit ends a plugin that keeps waiting on answered calls", async () => {
    const source = `export async function loop({ http, params }) { for (;;) { try { await http.fetch(params.url) } catch (e) {} } }`;
    const error = failed(
      await run(source, makeCall("loop", { url: `${base}/hang` }), { limits: { wallTimeMs: 400, httpTimeoutMs: 100, maxHttpCalls: 1000 } }),
    );
    expect(error.code).toBe("plugin_timeout");
  });

  it("too many HTTP calls → plugin_http_limit, even when the plugin catches the failure", async () => {
    const source = `export async function many({ http, params }) {
      for (let i = 0; i < 10; i++) { try { await http.fetch(params.url) } catch (e) {} }
      return { output: "done" } }`;
    const error = failed(await run(source, makeCall("many", { url: `${base}/count` }), { limits: { maxHttpCalls: 3 } }));
    expect(error.code).toBe("plugin_http_limit");
    // Counted by path: a call an earlier test abandoned may still reach the server meanwhile.
    expect(received.filter((request) => request.path === "/count")).toHaveLength(3);
  });

  it("logs are capped, with a truncation marker", async () => {
    const source = `export async function chatty({ log }) { for (let i = 0; i < 1000; i++) log("line " + i); return { output: 1 } }`;
    const outcome = await run(source, makeCall("chatty"), { limits: { logLines: 5 } });
    expect(outcome.logs).toHaveLength(5);
    expect(outcome.logs[4]).toEqual({ level: "warn", message: "… truncated" });
    const huge = `export async function chatty({ log }) { log("y".repeat(1 << 20)); return { output: 1 } }`;
    const clipped = await run(huge, makeCall("chatty"), { limits: { logBytes: 100 } });
    expect(clipped.logs.map((line) => line.message.length)).toEqual([100, "… truncated".length]);
  });

  it("a cancelled node ends the invocation with aborted", async () => {
    const controller = new AbortController();
    const source = `export async function hang({ http, params }) { await http.fetch(params.url) }`;
    setTimeout(() => controller.abort(new Error("cancelled")), 100);
    expect(failed(await run(source, makeCall("hang", { url: `${base}/hang` }), { signal: controller.signal })).code).toBe("aborted");
  });
});

describe("concurrent calls", () => {
  it("each call has its own engine: a runaway call beside waiting ones does not spend their budget", async () => {
    const source = `export async function wait({ http, params }) { const r = await http.fetch(params.url); let n = 0; for (let i = 0; i < 100000; i++) n++; return { output: r.status } }
export async function spin() { while (true) {} }`;
    const limits = { instructionBudget: 200 };
    const waiting = Array.from({ length: 4 }, () => run(source, makeCall("wait", { url: `${base}/slow` }), { limits }));
    const spinning = run(source, makeCall("spin"), { limits });
    const outcomes = await Promise.all([...waiting, spinning]);
    expect(outcomes.slice(0, 4)).toEqual(Array(4).fill({ ok: true, output: 200, action: "default", logs: [] }));
    expect(failed(outcomes[4]!).code).toBe("plugin_cpu_limit");
  });
});

describe("http.fetch", () => {
  const source = `
export async function post_message({ params, input, http }) {
  const res = await http.fetch(params.url, { method: "POST", headers: { "content-type": "application/json", "x-key": params.key }, body: JSON.stringify({ text: input.text }) });
  return { output: { status: res.status, ok: res.ok, echo: res.headers["x-echo"], body: res.json() } };
}
export async function upstream({ params, http }) {
  const res = await http.fetch(params.url);
  if (res.status >= 500) return { error: { code: "upstream", message: "answered " + res.status + " " + res.text(), retryable: true } };
  return { output: res.text() };
}
export async function guarded({ params, http }) {
  try { await http.fetch(params.url) } catch (e) { return { output: { name: e.name, code: e.code, retryable: e.retryable } } }
  return { output: "reached" };
}
export async function unguarded({ params, http }) { await http.fetch(params.url) }
export async function both({ params, http }) {
  const [a, b] = await Promise.all([http.fetch(params.url + "/a"), http.fetch(params.url + "/b")]);
  return { output: [a.json().got, b.json().got] };
}`;

  it("sends what the plugin asked for and returns the answer", async () => {
    const before = received.length;
    const outcome = await run(source, makeCall("post_message", { url: `${base}/hook?x=1`, key: "k-123" }, { text: "héllo" }));
    expect(outcome).toEqual({
      ok: true,
      output: { status: 201, ok: true, echo: "yes", body: { got: "/hook?x=1" } },
      action: "default",
      logs: [],
    });
    const request = received[before]!;
    expect(request).toMatchObject({ method: "POST", path: "/hook?x=1", body: '{"text":"héllo"}' });
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["x-key"]).toBe("k-123");
  });

  it("a 5xx the plugin turns into a retryable error", async () => {
    expect(failed(await run(source, makeCall("upstream", { url: `${base}/fail` })))).toEqual({
      code: "upstream",
      message: "answered 503 down",
      retryable: true,
    });
  });

  it("calls run concurrently", async () => {
    expect(await run(source, makeCall("both", { url: base }))).toMatchObject({ ok: true, output: ["/a", "/b"] });
  });

  it("the production policy refuses a private address; the plugin sees the code", async () => {
    const outcome = await run(source, makeCall("guarded", { url: `${base}/private` }), { http: productionHttp });
    expect(outcome).toMatchObject({ ok: true, output: { name: "HttpError", code: "address_not_allowed", retryable: false } });
    const error = failed(
      await run(source, makeCall("unguarded", { url: "http://169.254.169.254/latest/meta-data" }), { http: productionHttp }),
    );
    expect(error).toMatchObject({ code: "address_not_allowed", retryable: false });
    expect(received.filter((request) => request.path === "/private")).toEqual([]);
  });

  it("a body over the byte cap fails the call", async () => {
    const outcome = await run(source, makeCall("guarded", { url: `${base}/big` }), { limits: { httpResponseBytes: 1024 } });
    expect(outcome).toMatchObject({ ok: true, output: { code: "response_too_large", retryable: false } });
  });

  it("a call past its timeout fails with http_timeout", async () => {
    const outcome = await run(source, makeCall("guarded", { url: `${base}/hang` }), { limits: { httpTimeoutMs: 100 } });
    expect(outcome).toMatchObject({ ok: true, output: { code: "http_timeout" } });
  });

  it("hostile arguments to log and http.fetch are the plugin's own errors", async () => {
    const hostile = `const trap = new Proxy({}, { get() { throw new Error("trapped") }, ownKeys() { throw new Error("trapped keys") } });
export async function logs({ log }) { try { log(trap) } catch (e) { log("caught", e.message) } return { output: 1 } }
export async function init({ http, params }) { await http.fetch(params.url, trap) }
export async function headers({ http, params }) { await http.fetch(params.url, { headers: trap }) }`;
    const logged = await run(hostile, makeCall("logs"));
    expect(logged.ok).toBe(true);
    expect(logged.logs).toEqual([{ level: "info", message: "[unprintable value]" }]);
    expect(failed(await run(hostile, makeCall("init", { url: base })))).toMatchObject({
      code: "plugin_error",
      message: expect.stringMatching(/^TypeError: http\.fetch: /),
    });
    expect(failed(await run(hostile, makeCall("headers", { url: base })))).toMatchObject({ code: "plugin_error" });
    await expectHealthy();
  });

  it("a non-string body is refused inside the plugin", async () => {
    const bad = `export async function send({ http, params }) { await http.fetch(params.url, { method: "POST", body: { a: 1 } }) }`;
    expect(failed(await run(bad, makeCall("send", { url: base })))).toMatchObject({
      code: "plugin_error",
      message: expect.stringContaining("init.body must be a string"),
    });
  });
});
