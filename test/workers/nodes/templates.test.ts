import { describe, expect, it } from "vitest";
import { done, fail, run } from "./helpers";

/** A transform that returns its (templated) params minus the script, so the test sees what the node saw. */
const echoParams = (params: Record<string, unknown>) => ({
  type: "transform",
  params: { ...params, script: "const { script, ...rest } = params; return rest" },
});

describe("templates in params", () => {
  it("a whole-string template keeps the value's type", async () => {
    const { outcome } = await run(
      echoParams({
        count: "${input.items.length}",
        items: "${input.items}",
        flag: "${input.flag}",
        nothing: "${input.absent}",
        sum: "${input.items.reduce((s, x) => s + x, 0)}",
        obj: "${ ({ first: input.items[0], name: shared.name }) }",
      }),
      { input: { items: [3, 4], flag: true }, shared: { name: "n" } },
    );
    expect(done(outcome).output).toEqual({ count: 2, items: [3, 4], flag: true, nothing: null, sum: 7, obj: { first: 3, name: "n" } });
  });

  it("a template inside a longer string is interpolated", async () => {
    const { outcome } = await run(
      echoParams({
        url: "https://api.example.com/orders/${input.id}?since=${input.since}&tag=${input.missing}",
        text: "items: ${input.items} flag=${input.flag} ${ input.name.toUpperCase() }",
      }),
      { input: { id: 12, since: "2026-01-01", items: [1, 2], flag: false, name: "ada" } },
    );
    expect(done(outcome).output).toEqual({
      url: "https://api.example.com/orders/12?since=2026-01-01&tag=",
      text: "items: [1,2] flag=false ADA",
    });
  });

  it("nested objects, arrays and keys are templated at any depth", async () => {
    const { outcome } = await run(
      echoParams({
        headers: { Authorization: "Bearer ${input.token}", "${input.header}": "${input.value}" },
        list: ["${input.a}", { deep: ["x-${input.b}"] }, 3, null, true],
      }),
      { input: { token: "t0k", header: "X-Custom", value: 5, a: [1], b: "y" } },
    );
    expect(done(outcome).output).toEqual({
      headers: { Authorization: "Bearer t0k", "X-Custom": 5 },
      list: [[1], { deep: ["x-y"] }, 3, null, true],
    });
  });

  it("$${ is a literal ${", async () => {
    const { outcome } = await run(echoParams({ note: "literal $${input.id} and real ${input.id}", whole: "$${x}" }), { input: { id: 1 } });
    expect(done(outcome).output).toEqual({ note: "literal ${input.id} and real 1", whole: "${x}" });
  });

  it("sees results and execution", async () => {
    const { outcome } = await run(echoParams({ prev: "${results.fetch.status_code}", run: "${execution.id}/${execution.flow_id}" }), {
      results: { fetch: { status_code: 201 } },
    });
    expect(done(outcome).output).toEqual({ prev: 201, run: "ex_test_1/flow_test" });
  });

  it("params in a param template are the params as written", async () => {
    const { outcome } = await run(echoParams({ page_size: 25, limit: "${params.page_size * 2}", fallback: "${params.max ?? 50}" }));
    expect(done(outcome).output).toEqual({ page_size: 25, limit: 50, fallback: 50 });
  });

  it("a failing template is template_error naming the node and the param path", async () => {
    const { error } = await fail(echoParams({ headers: { "X-Id": "id-${input.order.id}" } }), { nodeId: "fetch", input: {} });
    expect(error.code).toBe("template_error");
    expect(error.message).toBe("nodes.fetch.params.headers[\"X-Id\"]: TypeError: cannot read property 'id' of undefined");
    expect(error.details).toEqual({ path: 'nodes.fetch.params.headers["X-Id"]' });
    expect(error.retryable).toBe(false);
  });

  it("a failing template inside a list names the index", async () => {
    const { error } = await fail(echoParams({ list: ["ok", { v: "${nope}" }] }), { nodeId: "n1" });
    expect(error.message).toBe("nodes.n1.params.list[1].v: ReferenceError: 'nope' is not defined");
  });

  it("a malformed template is a template_error too", async () => {
    const { error } = await fail(echoParams({ a: "x ${input.id" }), { nodeId: "n2" });
    expect(error.code).toBe("template_error");
    expect(error.message).toMatch(/^nodes\.n2\.params\.a: SyntaxError: unterminated/);
  });

  it("the script param is not templated, so JavaScript template literals work", async () => {
    const script = "const name = input.name;\nreturn `hello ${name}, ${[1, 2].map((x) => `#${x}`).join(' ')}`";
    const { outcome } = await run({ type: "transform", params: { script } }, { input: { name: "Ada" } });
    expect(done(outcome).output).toBe("hello Ada, #1 #2");
  });

  it("console output of a template expression goes to the step log", async () => {
    const { outcome, logs } = await run(echoParams({ v: "${ (console.log('computing', input.n), input.n * 2) }" }), { input: { n: 4 } });
    expect(done(outcome).output).toEqual({ v: 8 });
    expect(logs).toEqual([{ level: "info", message: "computing 4" }]);
  });
});
