import { describe, expect, it } from "vitest";
import { done, EXECUTION, fail, run } from "./helpers";

const transform = (script: string) => ({ type: "transform", params: { script } });

describe("transform", () => {
  it("returns the script's value as the output, with action default", async () => {
    const { outcome, logs } = await run(transform("return { id: input.id, total: input.lines.reduce((s, l) => s + l.price, 0) }"), {
      input: { id: 7, lines: [{ price: 2.5 }, { price: 4 }] },
    });
    expect(done(outcome).output).toEqual({ id: 7, total: 6.5 });
    expect(outcome.kind === "done" && outcome.action).toBe("default");
    expect(logs).toEqual([]);
  });

  it.each([
    ["return 42", 42],
    ["return 'text'", "text"],
    ["return false", false],
    ["return [1, 'a', null, { b: true }]", [1, "a", null, { b: true }]],
    ["return null", null],
    ["const x = 1;", null],
    ["return undefined", null],
    ["return { a: undefined, f() {}, d: new Date(0), n: NaN }", { d: "1970-01-01T00:00:00.000Z", n: null }],
  ])("%s → %j", async (script, expected) => {
    expect(done((await run(transform(script))).outcome).output).toEqual(expected);
  });

  it("sees input, params, results, shared and execution", async () => {
    const script = "return { input, params, fetched: results.fetch.body.n, shared, execution }";
    const { outcome } = await run(transform(script), {
      nodeId: "shape",
      input: { q: 1 },
      results: { fetch: { body: { n: 3 } }, other: "x" },
      shared: { counter: 5 },
      attempt: 2,
    });
    expect(done(outcome).output).toEqual({
      input: { q: 1 },
      params: { script },
      fetched: 3,
      shared: { counter: 5 },
      execution: {
        id: EXECUTION.id,
        flow_id: EXECUTION.flow_id,
        account_id: EXECUTION.account_id,
        started_at: EXECUTION.created_at,
        attempt: 2,
        node_id: "shape",
        idempotency_key: `${EXECUTION.id}:shape:1:2`,
      },
    });
  });

  it("writes shared: in place and by replacement", async () => {
    const inPlace = done(
      (await run(transform("shared.count = (shared.count ?? 0) + input; return shared.count"), { input: 2, shared: { count: 40 } }))
        .outcome,
    );
    expect(inPlace.output).toBe(42);
    expect(inPlace.shared).toEqual({ count: 42 });
    const replaced = done((await run(transform("shared = { fresh: true }; return 1"), { shared: { old: 1 } })).outcome);
    expect(replaced.shared).toEqual({ fresh: true });
  });

  it("reports no shared when the script does not change it", async () => {
    const untouched = await run(transform("return 1"), { shared: { keep: "me" } });
    expect(done(untouched.outcome).shared).toBeUndefined();
    const onlyRead = await run(transform("return shared.keep.toUpperCase()"), { shared: { keep: "me" } });
    expect(done(onlyRead.outcome)).toMatchObject({ output: "ME" });
    expect(done(onlyRead.outcome).shared).toBeUndefined();
  });

  it("a removed key is removed", async () => {
    const { outcome } = await run(transform("delete shared.gone; return 1"), { shared: { gone: 1, stays: 2 } });
    expect(done(outcome).shared).toEqual({ stays: 2 });
  });

  it("sends console output to the step log, by level", async () => {
    const { outcome, logs } = await run(
      transform(
        "console.log('hello', input.name, 3); console.info({ a: 1 }); console.warn('careful'); console.error('bad', [1]); console.debug(true); return 'ok'",
      ),
      { input: { name: "Ada" } },
    );
    expect(done(outcome).output).toBe("ok");
    expect(logs).toEqual([
      { level: "info", message: "hello Ada 3" },
      { level: "info", message: '{"a":1}' },
      { level: "warn", message: "careful" },
      { level: "error", message: "bad [1]" },
      { level: "debug", message: "true" },
    ]);
  });

  it("a runtime error is script_runtime with line and column, and its logs are kept", async () => {
    const { error, logs } = await fail(transform("console.log('before');\nconst a = input.missing;\nreturn a.deep;"), { input: {} });
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe("script: TypeError: cannot read property 'deep' of undefined (line 3, column 9)");
    expect(error.details).toEqual({ kind: "runtime", line: 3, column: 9 });
    expect(error.retryable).toBe(true);
    expect(logs).toEqual([{ level: "info", message: "before" }]);
  });

  it("a thrown value is script_runtime", async () => {
    const { error } = await fail(transform("throw { reason: 'nope' }"));
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe('script: Uncaught {"reason":"nope"}');
  });

  it("a syntax error is script_syntax with its position, and is not retried", async () => {
    const { error } = await fail(transform("const ok = 1;\nreturn ok +* 2;"));
    expect(error.code).toBe("script_syntax");
    expect(error.message).toMatch(/^script: SyntaxError: .+ \(line 2, column \d+\)$/);
    expect(error.details).toMatchObject({ kind: "syntax", line: 2 });
    expect((error.details as { column: number }).column).toBeGreaterThan(0);
    expect(error.retryable).toBe(false);
  });

  it("an endless loop is script_timeout without a position", async () => {
    const { error } = await fail(transform("let i = 0;\nwhile (true) { i++ }"));
    expect(error.code).toBe("script_timeout");
    expect(error.message).toBe("script: Script exceeded its instruction budget of 1000 ticks (infinite loop?)");
    expect(error.details).toEqual({ kind: "timeout", line: null, column: null });
  });
});
