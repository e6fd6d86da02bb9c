import { describe, expect, it } from "vitest";
import type { BatchSpec } from "../../../src/flow";
import { done, fail, fakeFetch, run } from "./helpers";

const double = (batch: BatchSpec) => ({ type: "transform", params: { script: "return { item: input, twice: input * 2 }" }, batch });

describe("batch", () => {
  it("serial: runs the node once per item of the input, outputs in item order", async () => {
    const { outcome } = await run(double({ strategy: "serial" }), { input: [1, 2, 3] });
    expect(done(outcome)).toMatchObject({
      action: "default",
      output: [
        { item: 1, twice: 2 },
        { item: 2, twice: 4 },
        { item: 3, twice: 6 },
      ],
    });
  });

  it("takes items from a template evaluated against the node's input; per item, input is the item", async () => {
    const node = {
      type: "transform",
      params: { script: "return input.id + '/' + input.n" },
      batch: { items: "${input.orders.map((o, n) => ({ ...o, n }))}" },
    };
    const { outcome } = await run(node, { input: { orders: [{ id: "a" }, { id: "b" }] } });
    expect(done(outcome).output).toEqual(["a/0", "b/1"]);
  });

  it("items can be a list literal with templates inside", async () => {
    const { outcome } = await run(double({ items: ["${input.a}", 10, "${input.b * 3}"] }), { input: { a: 1, b: 2 } });
    expect(done(outcome).output).toEqual([
      { item: 1, twice: 2 },
      { item: 10, twice: 20 },
      { item: 6, twice: 12 },
    ]);
  });

  it("an empty list gives an empty output without running the node", async () => {
    const { outcome, logs } = await run(
      { type: "transform", params: { script: "console.log('ran'); return 1" }, batch: { items: "${input}" } },
      { input: [] },
    );
    expect(done(outcome).output).toEqual([]);
    expect(logs).toEqual([]);
  });

  it.each([
    [{ not: "a list" }, "object"],
    ["text", "string"],
    [null, "null"],
    [5, "number"],
  ])("items that are not a list (%j) → invalid_batch", async (input, kind) => {
    const { error } = await fail(double({ items: "${input}" }), { input });
    expect(error.code).toBe("invalid_batch");
    expect(error.message).toBe(`batch.items must be a list, got ${kind}`);
    expect(error.retryable).toBe(false);
  });

  it("without items, a non-list input → invalid_batch", async () => {
    const { error } = await fail(double({ strategy: "parallel" }), { input: { a: 1 } });
    expect(error.code).toBe("invalid_batch");
  });

  it("a failing items template is a template_error with its path", async () => {
    const { error } = await fail(double({ items: "${input.list.map((x) => x.y.z)}" }), { nodeId: "each", input: { list: [{}] } });
    expect(error.code).toBe("template_error");
    expect(error.message).toBe("nodes.each.batch.items: TypeError: cannot read property 'z' of undefined");
    expect(error.details).toEqual({ path: "nodes.each.batch.items" });
  });

  it("params are templated per item, with input set to the item", async () => {
    const http = fakeFetch((url) => ({ body: { path: url.pathname } }));
    const { outcome } = await run(
      {
        type: "http.request",
        params: {
          url: "https://api.example.test/orders/${input.id}",
          headers: { "X-Run": "${execution.id}", "X-Tag": "${shared.tag}-${input.id}" },
        },
        batch: { items: "${input.orders}" },
      },
      { input: { orders: [{ id: "o1" }, { id: "o2" }] }, shared: { tag: "t" } },
      { fetch: http.fetch },
    );
    expect(http.calls.map((c) => [c.url, c.headers["x-run"], c.headers["x-tag"]])).toEqual([
      ["https://api.example.test/orders/o1", "ex_test_1", "t-o1"],
      ["https://api.example.test/orders/o2", "ex_test_1", "t-o2"],
    ]);
    expect((done(outcome).output as { body: unknown }[]).map((o) => o.body)).toEqual([{ path: "/orders/o1" }, { path: "/orders/o2" }]);
  });

  it("a param template failing for one item names the item", async () => {
    const { error } = await fail(
      { type: "http.request", params: { url: "https://x.test/${input.order.id}" }, batch: { items: "${input}" } },
      { nodeId: "each", input: [{ order: { id: 1 } }, {}] },
      { fetch: fakeFetch(() => ({ body: {} })).fetch },
    );
    expect(error.code).toBe("template_error");
    expect(error.message).toBe("nodes.each.params.url: TypeError: cannot read property 'id' of undefined (batch item 1)");
    expect(error.details).toEqual({ path: "nodes.each.params.url", item: 1 });
  });

  it("prep runs once, before items are taken; the params it returns apply to every item", async () => {
    const http = fakeFetch((url) => ({ body: { q: url.search } }));
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://api.example.test/${input}" },
        hooks: { prep: "return { input: input.map((x) => x * 10), params: { query_params: { v: 'prep' } } }" },
        batch: { strategy: "serial" },
      },
      { input: [1, 2] },
      { fetch: http.fetch },
    );
    expect(http.calls.map((c) => c.url)).toEqual(["https://api.example.test/10?v=prep", "https://api.example.test/20?v=prep"]);
    expect(done(outcome).output).toHaveLength(2);
  });

  it("exec runs per item; post runs once and sees the list of outputs", async () => {
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://x.test/" },
        hooks: { exec: "return input * input", post: "return { output: output.reduce((s, x) => s + x, 0), action: 'summed' }" },
        batch: {},
      },
      { input: [1, 2, 3] },
    );
    expect(done(outcome)).toMatchObject({ output: 14, action: "summed" });
  });

  it("parallel: at most max_parallel items in flight, outputs in item order whatever the completion order", async () => {
    // Earlier items answer later, so items finish in reverse order.
    const http = fakeFetch((url) => ({
      body: { n: Number(url.searchParams.get("n")) },
      delayMs: 80 - Number(url.searchParams.get("n")) * 15,
    }));
    const { outcome } = await run(
      { type: "http.request", params: { url: "https://api.example.test/?n=${input}" }, batch: { strategy: "parallel", max_parallel: 2 } },
      { input: [0, 1, 2, 3, 4] },
      { fetch: http.fetch },
    );
    expect(http.calls).toHaveLength(5);
    expect(http.maxInflight).toBe(2);
    expect((done(outcome).output as { body: { n: number } }[]).map((o) => o.body.n)).toEqual([0, 1, 2, 3, 4]);
  });

  it("parallel without max_parallel runs up to 10 at once", async () => {
    const http = fakeFetch(() => ({ body: 1, delayMs: 20 }));
    await run(
      { type: "http.request", params: { url: "https://x.test/" }, batch: { strategy: "parallel" } },
      { input: Array.from({ length: 14 }, (_, i) => i) },
      { fetch: http.fetch },
    );
    expect(http.calls).toHaveLength(14);
    expect(http.maxInflight).toBe(10);
  });

  it("serial runs one item at a time", async () => {
    const http = fakeFetch(() => ({ body: 1, delayMs: 5 }));
    await run(
      { type: "http.request", params: { url: "https://x.test/" }, batch: { strategy: "serial" } },
      { input: [1, 2, 3] },
      { fetch: http.fetch },
    );
    expect(http.maxInflight).toBe(1);
  });

  it("parallel transform items run with the item as input", async () => {
    const { outcome } = await run(double({ items: "${input.list}", strategy: "parallel", max_parallel: 3 }), {
      input: { list: [5, 6, 7, 8] },
    });
    expect((done(outcome).output as { twice: number }[]).map((o) => o.twice)).toEqual([10, 12, 14, 16]);
  });

  it("a failing item fails the whole node with that item's error", async () => {
    const { error } = await fail(
      { type: "transform", params: { script: "if (input === 2) throw new Error('bad item ' + input); return input" }, batch: {} },
      { input: [1, 2, 3] },
    );
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe("script: Error: bad item 2 (line 1, column 33)");
  });

  it("a node that would wait cannot run in a batch", async () => {
    const { error } = await fail({ type: "delay", params: { duration: "1s" }, batch: {} }, { input: [1] });
    expect(error.code).toBe("invalid_batch");
    expect(error.message).toBe("A delay node cannot wait inside a batch");
  });
});
