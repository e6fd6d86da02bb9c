import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../src/lib/json";
import { getSandbox, type Sandbox } from "../../../src/sandbox";
import { done, fail, run } from "./helpers";

/** The real sandbox, counting the calls that reach it. */
function countingSandbox() {
  const calls = { runScript: 0, evalExpression: 0 };
  const sandbox = async (): Promise<Sandbox> => {
    const real = await getSandbox();
    return {
      runScript: (...args) => (calls.runScript++, real.runScript(...args)),
      evalExpression: (...args) => (calls.evalExpression++, real.evalExpression(...args)),
    };
  };
  return { calls, sandbox };
}

const script = (condition_script: string) => ({ type: "condition", params: { condition_script } });
const cases = (conditions: { condition: string; action: string }[], default_action?: string) => ({
  type: "condition",
  params: default_action === undefined ? { conditions } : { conditions, default_action },
});

describe("condition with condition_script", () => {
  it.each([
    ["return input.total > 100 ? 'big' : 'small'", { total: 150 }, "big"],
    ["return input.total > 100 ? 'big' : 'small'", { total: 5 }, "small"],
    ["return input.total > 100", { total: 150 }, "true"],
    ["return input.total > 100", { total: 5 }, "false"],
    ["return input.total", { total: 3 }, "3"],
    ["return null", {}, "default"],
    ["input.total", { total: 3 }, "default"],
    ["return ['a', 1]", {}, '["a",1]'],
  ])("%s with %j → action %s", async (body, input, action) => {
    const outcome = done((await run(script(body), { input })).outcome);
    expect(outcome.action).toBe(action);
  });

  it("passes its input through as the output", async () => {
    const input = { order: { id: 9, lines: [1, 2] } };
    const outcome = done((await run(script("return 'x'"), { input })).outcome);
    expect(outcome.output).toEqual(input);
  });

  it("JavaScript template literals in the script are not treated as flow templates", async () => {
    const outcome = done((await run(script("const kind = input.kind;\nreturn `route_${kind}`"), { input: { kind: "fast" } })).outcome);
    expect(outcome.action).toBe("route_fast");
  });

  it("sees shared and results", async () => {
    const outcome = done(
      (await run(script("return shared.mode + '_' + results.prev.n"), { shared: { mode: "m" }, results: { prev: { n: 2 } } })).outcome,
    );
    expect(outcome.action).toBe("m_2");
  });

  it("a failing script is a script error naming condition_script", async () => {
    const { error } = await fail(script("return nope"));
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe("condition_script: ReferenceError: 'nope' is not defined (line 1, column 8)");
  });
});

describe("condition with conditions", () => {
  const tiers = cases(
    [
      { condition: "input.total > 1000", action: "vip" },
      { condition: "input.total > 100", action: "big" },
      { condition: "input.total > 10", action: "medium" },
    ],
    "small",
  );

  it.each([
    [5000, "vip"],
    [500, "big"],
    [50, "medium"],
    [5, "small"],
  ])("total %d → %s (the first truthy condition wins)", async (total, action) => {
    const outcome = done((await run(tiers, { input: { total } })).outcome);
    expect(outcome.action).toBe(action);
    expect(outcome.output).toEqual({ total });
  });

  it("uses JavaScript truthiness: 0, '' and a missing value are falsy, an empty list is truthy", async () => {
    const node = cases(
      [
        { condition: "input.zero", action: "zero" },
        { condition: "input.empty", action: "empty" },
        { condition: "input.missing", action: "missing" },
        { condition: "input.list", action: "list" },
      ],
      "none",
    );
    const action = async (input: JsonValue) => done((await run(node, { input })).outcome).action;
    expect(await action({ zero: 1 })).toBe("zero");
    expect(await action({ zero: 0, empty: "x" })).toBe("empty");
    expect(await action({ zero: 0, empty: "", missing: { a: 1 } })).toBe("missing");
    expect(await action({ zero: 0, empty: "", list: [] })).toBe("list");
    expect(await action({ zero: 0, empty: "" })).toBe("none");
  });

  it("without default_action and no match, the action is default", async () => {
    const outcome = done((await run(cases([{ condition: "input.ok === true", action: "yes" }]), { input: { ok: false } })).outcome);
    expect(outcome.action).toBe("default");
    expect(outcome.output).toEqual({ ok: false });
  });

  it("stops at the first truthy condition: later ones are not evaluated", async () => {
    const node = cases([
      { condition: "true", action: "first" },
      { condition: "(() => { throw new Error('evaluated') })()", action: "second" },
    ]);
    expect(done((await run(node)).outcome).action).toBe("first");
  });

  it("a failing condition names its index", async () => {
    const node = cases([
      { condition: "input.a > 1", action: "a" },
      { condition: "input.b.c > 1", action: "b" },
    ]);
    const { error } = await fail(node, { input: { a: 0 } });
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe("conditions[1].condition: TypeError: cannot read property 'c' of undefined (line 1, column 8)");
  });

  it("conditions are not templated: ${...} there is JavaScript", async () => {
    const node = cases([{ condition: "`${input.kind}` === 'x'", action: "is_x" }], "other");
    expect(done((await run(node, { input: { kind: "x" } })).outcome).action).toBe("is_x");
    expect(done((await run(node, { input: { kind: "y" } })).outcome).action).toBe("other");
  });

  it("an action is a template, evaluated only for the case that holds", async () => {
    const node = cases(
      [
        { condition: "input.kind === 'order'", action: "${input.route}" },
        { condition: "true", action: "${input.missing.deeper}" },
      ],
      "other",
    );
    expect(done((await run(node, { input: { kind: "order", route: "ship" } })).outcome).action).toBe("ship");
    const { error } = await fail(node, { input: { kind: "refund" } });
    expect(error.code).toBe("template_error");
    expect(error.message).toContain("nodes.step.params.conditions[1].action");
  });

  it("default_action is a template like any other param", async () => {
    const node = cases([{ condition: "false", action: "never" }], "${input.fallback}");
    expect(done((await run(node, { input: { fallback: "chosen" } })).outcome).action).toBe("chosen");
  });

  it("plain-path conditions are decided on the host, without a sandbox call", async () => {
    const counting = countingSandbox();
    const node = cases(
      [
        { condition: "input.flags.fast", action: "fast" },
        { condition: "results.check.body['ok']", action: "checked" },
        { condition: "input.total > 10", action: "big" },
      ],
      "none",
    );
    const first = await run(
      node,
      { input: { flags: { fast: false }, total: 50 }, results: { check: { body: { ok: 0 } } } },
      { sandbox: counting.sandbox },
    );
    expect(done(first.outcome).action).toBe("big");
    // Only the comparison needed QuickJS.
    expect(counting.calls).toEqual({ runScript: 0, evalExpression: 1 });
    const second = await run(node, { input: { flags: { fast: true } } }, { sandbox: counting.sandbox });
    expect(done(second.outcome).action).toBe("fast");
    expect(counting.calls).toEqual({ runScript: 0, evalExpression: 1 });
  });

  it("a plain-path condition whose value is too large to copy out of the sandbox still just tests truthiness (regression)", async () => {
    // About 1.4 MB of JSON: over the 1 MiB output limit, so returning it from the sandbox failed.
    const rows = Array.from({ length: 200_000 }, (_, i) => i);
    const node = cases([{ condition: "input.rows", action: "has_rows" }], "empty");
    expect(done((await run(node, { input: { rows } })).outcome).action).toBe("has_rows");
  });

  it("a path the host cannot decide still goes to the sandbox and fails there", async () => {
    const { error } = await fail(cases([{ condition: "input.a.b", action: "x" }]), { input: {} });
    expect(error.message).toBe("conditions[0].condition: TypeError: cannot read property 'b' of undefined (line 1, column 8)");
  });
});
