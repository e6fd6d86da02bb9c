/** NodeContext as the lifecycle builds it: sub-steps, child runs, secrets, live events, kv and sockets. */
import { describe, expect, it } from "vitest";
import type { ChildResult } from "../../../src/engine/host";
import { NodeError } from "../../../src/engine/outcome";
import type { JsonValue } from "../../../src/lib/json";
import { createMemoryVectorStores } from "../../../src/nodes/capabilities/vectors-memory";
import { createMemoryKeyValueStore } from "../../../src/nodes/capabilities/kv-memory";
import type { Connect } from "../../../src/nodes/capabilities/socket";
import { nodeContext, startAttempt, type LifecycleDeps } from "../../../src/nodes/lifecycle/context";
import { AttemptSecrets } from "../../../src/nodes/lifecycle/secrets";
import type { Sandbox } from "../../../src/sandbox";
import { secretVault, stepRequest, type StepOptions } from "../../helpers/step-request";

const noSandbox: Sandbox = {
  runScript: () => Promise.reject(new Error("no scripts here")),
  evalExpression: () => Promise.reject(new Error("no scripts here")),
};

async function context(options: StepOptions = {}, deps: Partial<LifecycleDeps> = {}, secrets: Record<string, JsonValue> = {}) {
  const { request, logs, host } = stepRequest({ type: "transform", params: {} }, options);
  const vault = secretVault(secrets);
  const full: LifecycleDeps = {
    fetch: () => Promise.reject(new Error("no network")),
    privateNetwork: "deny",
    sandbox: async () => noSandbox,
    secrets: vault,
    ...deps,
  };
  const attempt = startAttempt(request, full, noSandbox, await AttemptSecrets.resolve(new Set(), vault));
  const ctx = nodeContext(attempt, null, {}, async () => ({}), undefined);
  return { ctx, logs, host, vault, attempt };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );

describe("ctx.step", () => {
  it("runs a sub-step once, after the run's progress is made durable, and replays it on a restart", async () => {
    const first = await context();
    let calls = 0;
    const call = async () => ({ n: ++calls });
    expect(await first.ctx.step("model", call)).toEqual({ n: 1 });
    expect(first.host.effects).toBe(1);
    // The same attempt after a crash: a new context over the same stored sub-steps.
    const again = await context({ memo: first.host.memo });
    expect(await again.ctx.step("model", call)).toEqual({ n: 1 });
    expect(calls).toBe(1);
    expect(again.host.effects).toBe(0);
  });

  it("keeps the n-th call of a name apart, so a loop's calls are each remembered", async () => {
    const { ctx, host } = await context();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await ctx.step("model", async () => i));
    expect(results).toEqual([0, 1, 2]);
    expect([...host.memo.keys()]).toEqual(["model#1", "model#2", "model#3"]);
    const resumed = await context({ memo: host.memo, attempt: 2 });
    const replayed = [];
    for (let i = 0; i < 4; i++) replayed.push(await resumed.ctx.step("model", async () => 100 + i));
    // A retry reuses what completed and runs only what did not.
    expect(replayed).toEqual([0, 1, 2, 103]);
  });

  it("does not remember a sub-step that failed", async () => {
    const { ctx, host } = await context();
    const error = await rejection(ctx.step("model", () => Promise.reject(new NodeError("upstream", "503"))));
    expect(error).toMatchObject({ code: "upstream" });
    expect(host.memo.size).toBe(0);
  });
});

describe("ctx.waitForEvent", () => {
  /** Whether a promise has settled by the time pending callbacks ran. */
  const settled = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    return done;
  };

  it("pauses the attempt with a resumable wait, and never settles the node's call", async () => {
    const { ctx, attempt } = await context();
    const before = Date.now();
    const wait = ctx.waitForEvent("approve_tool", { timeout: 60_000, data: { tool: "search", arguments: { q: "x" } } });
    expect(await attempt.pause.paused).toEqual({
      kind: "wait_event",
      event: "approve_tool",
      timeoutAt: expect.any(Number),
      resume: { key: "event:approve_tool#1", data: { tool: "search", arguments: { q: "x" } } },
    });
    const { timeoutAt } = (await attempt.pause.paused) as { timeoutAt: number };
    expect(timeoutAt - before).toBeGreaterThanOrEqual(60_000);
    expect(await settled(wait)).toBe(false);
  });

  it("returns a kept result at once, so a replayed visit goes past the wait", async () => {
    const memo = new Map([["event:approve_tool#1", { value: { received: true, payload: { approve: true } } }]]);
    const { ctx, attempt } = await context({ memo });
    expect(await ctx.waitForEvent("approve_tool")).toEqual({ received: true, payload: { approve: true } });
    // The second wait of the name is a sub-step of its own, with nothing kept yet: it pauses.
    void ctx.waitForEvent("approve_tool");
    expect(await attempt.pause.paused).toMatchObject({ resume: { key: "event:approve_tool#2" } });
  });

  it("takes an event posted before the wait from the inbox and keeps it", async () => {
    const { ctx, host, attempt } = await context();
    host.inbox.set("approve_tool", [{ approve: false }, { approve: true }]);
    expect(await ctx.waitForEvent("approve_tool")).toEqual({ received: true, payload: { approve: false } });
    expect(host.memo.get("event:approve_tool#1")).toEqual({ value: { received: true, payload: { approve: false } } });
    expect(host.inbox.get("approve_tool")).toEqual([{ approve: true }]);
    expect(await settled(attempt.pause.paused)).toBe(false);
  });

  it("refuses what no event could answer, without retrying", async () => {
    const { ctx } = await context();
    for (const [name, options, message] of [
      ["", {}, "1 to 200 characters"],
      ["x".repeat(201), {}, "1 to 200 characters"],
      ["ok", { timeout: 0 }, "positive number"],
      ["ok", { timeout: Number.NaN }, "positive number"],
      ["ok", { data: { big: "x".repeat(70_000) } }, "at most 65536 bytes"],
      ["ok", { data: { n: 10n } as never }, "must be JSON"],
    ] as const) {
      expect(await rejection(ctx.waitForEvent(name, options))).toMatchObject({
        code: "invalid_wait",
        retryable: false,
        message: expect.stringContaining(message),
      });
    }
  });
});

describe("ctx.runFlow", () => {
  const completed = (output: JsonValue): ChildResult => ({ status: "completed", output, error: null });

  it("starts the child under a key of this attempt and resolves with its output, once", async () => {
    const first = await context({ runChild: async () => completed({ total: 3 }) });
    expect(await first.ctx.runFlow("flw_child", { a: 1 })).toEqual({ total: 3 });
    expect(first.host.children).toEqual([{ key: "flow:flw_child#1@1", flowId: "flw_child", input: { a: 1 } }]);
    const again = await context({ memo: first.host.memo, runChild: async () => completed("never") });
    expect(await again.ctx.runFlow("flw_child", { a: 1 })).toEqual({ total: 3 });
    expect(again.host.children).toEqual([]);
  });

  it("fails with subflow_failed when the child fails, and a retry starts a new child", async () => {
    const failed: ChildResult = { status: "failed", output: null, error: { code: "http_timeout", message: "too slow" } };
    const first = await context({ runChild: async () => failed });
    expect(await rejection(first.ctx.runFlow("flw_child", null))).toMatchObject({
      code: "subflow_failed",
      message: "too slow",
      details: { status: "failed", error: "http_timeout" },
    });
    const retry = await context({ memo: first.host.memo, attempt: 2, runChild: async () => completed(1) });
    expect(await retry.ctx.runFlow("flw_child", null)).toBe(1);
    expect(retry.host.children[0]!.key).toBe("flow:flw_child#1@2");
  });
});

describe("ctx.secret", () => {
  it("reads a secret by name and redacts it from what the node logs afterwards", async () => {
    const { ctx, logs, vault } = await context({}, {}, { API_TOKEN: "tok-123456", DB: { password: "pw-987654" } });
    const token = await ctx.secret("API_TOKEN");
    expect(token).toBe("tok-123456");
    expect(JSON.parse(await ctx.secret("DB"))).toEqual({ password: "pw-987654" });
    ctx.log("info", `calling with ${token}`, { header: `Bearer ${token}`, db: "pw-987654" });
    expect(logs).toEqual([{ level: "info", message: "calling with [REDACTED]", data: { header: "Bearer [REDACTED]", db: "[REDACTED]" } }]);
    expect(vault.asked).toEqual([["API_TOKEN"], ["DB"]]);
  });

  it("fails, without retrying, when the account has no such secret", async () => {
    const { ctx } = await context();
    expect(await rejection(ctx.secret("MISSING"))).toMatchObject({ code: "secret_not_found", retryable: false });
  });
});

describe("ctx.emit", () => {
  it("sends live events redacted, and logs a drop once", async () => {
    const { ctx, host, logs } = await context({}, {}, {});
    await ctx.secret("K").catch(() => undefined);
    expect(ctx.emit("llm.delta", { text: "hello" })).toBe(true);
    expect(ctx.emit("llm.delta", { text: "x".repeat(20_000) })).toBe(false);
    expect(ctx.emit("llm.delta", { text: "y".repeat(20_000) })).toBe(false);
    expect(host.emitted).toEqual([{ type: "llm.delta", data: { text: "hello" } }]);
    expect(logs.filter((l) => l.level === "warn")).toHaveLength(1);
  });

  it("redacts secrets the node read before the event is sent", async () => {
    const { ctx, host } = await context({}, {}, { KEY: "sk-live-abcdef" });
    const key = await ctx.secret("KEY");
    ctx.emit("progress", { note: `using ${key}` });
    expect(host.emitted).toEqual([{ type: "progress", data: { note: "using [REDACTED]" } }]);
  });
});

describe("ctx.kv, ctx.connect and ctx.http", () => {
  it("kv is the account's store when the server has one, and not_available otherwise", async () => {
    const store = createMemoryKeyValueStore();
    const accounts: string[] = [];
    const { ctx } = await context({}, { kv: (account) => (accounts.push(account), store) });
    await ctx.kv.set("a", { n: 1 });
    expect(await store.get("a")).toEqual({ n: 1 });
    expect(accounts).toEqual(["acct_test"]);
    const without = await context();
    expect(await rejection(without.ctx.kv.get("a"))).toMatchObject({ code: "not_available", retryable: false });
  });

  it("vectors opens the account's collection in the store asked for; a store the server lacks is not_available", async () => {
    const open = createMemoryVectorStores();
    const opened: string[] = [];
    const { ctx } = await context(
      {},
      { vectors: { embedded: (account, name) => (opened.push(`${account}:${name}`), open(account, name)) } },
    );
    await ctx.vectors("docs").upsertDocument("d", [{ id: "c", text: "Hello there.", vector: [1, 0] }]);
    expect(await open("acct_test", "docs").stats()).toEqual({ documents: 1, chunks: 1, dimensions: 2 });
    expect(await ctx.vectors("docs", { store: "embedded" }).stats()).toEqual({ documents: 1, chunks: 1, dimensions: 2 });
    expect(opened).toEqual(["acct_test:docs", "acct_test:docs"]);
    expect(await rejection(ctx.vectors("docs", { store: "vectorize" }).stats())).toMatchObject({ code: "not_available", retryable: false });
    expect(() => ctx.vectors("bad name")).toThrow(expect.objectContaining({ code: "invalid_collection" }));
    expect(() => ctx.vectors("docs", { store: "pinecone" } as never)).toThrow(expect.objectContaining({ code: "invalid_store" }));
    const without = await context();
    expect(await rejection(without.ctx.vectors("docs").query({ vector: [1, 0] }))).toMatchObject({ code: "not_available" });
    // pgvector needs no backend from the host, but goes through the address policy like the postgres node.
    const denied = await context({}, { privateNetwork: "deny" });
    const target = { host: "127.0.0.1", port: 5432, user: "u", password: "p", database: "d", sslmode: undefined, extra: [] };
    expect(await rejection(denied.ctx.vectors("docs", { store: "pgvector", connection: target }).stats())).toMatchObject({
      code: "address_not_allowed",
    });
  });

  it("connect applies the address policy before the runtime's connect is called", async () => {
    const dialled: string[] = [];
    const raw: Connect = (host) => {
      dialled.push(host);
      throw new Error("not dialled in this test");
    };
    const { ctx } = await context({}, { connect: raw, privateNetwork: "deny" });
    expect(() => ctx.connect("127.0.0.1", 993, { tls: true })).toThrow(expect.objectContaining({ code: "address_not_allowed" }));
    expect(() => ctx.connect("mail.example.com", 993, { tls: true })).toThrow("not dialled in this test");
    expect(dialled).toEqual(["mail.example.com"]);
    const without = await context();
    expect(() => without.ctx.connect("mail.example.com", 993, { tls: true })).toThrow(expect.objectContaining({ code: "not_available" }));
  });

  it("http refuses a private address under deny without calling fetch", async () => {
    const fetched: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      fetched.push(String(input));
      return new Response("ok");
    };
    const { ctx } = await context({}, { fetch, privateNetwork: "deny" });
    const signal = new AbortController().signal;
    expect(await rejection(ctx.http.request("http://10.0.0.8/admin", { timeoutMs: 1000, signal }))).toMatchObject({
      code: "address_not_allowed",
    });
    expect(fetched).toEqual([]);
    expect((await ctx.http.request("https://api.example.com/x", { timeoutMs: 1000, signal })).text()).toBe("ok");
  });
});
