import { describe, expect, it } from "vitest";
import { evaluateTemplates, interpolate, type TemplateScope } from "../../../src/expressions";
import type { JsonValue } from "../../../src/lib/json";
import type { Sandbox, SandboxResult } from "../../../src/sandbox/types";

/** A stand-in sandbox: answers from a table and records what reached it. */
function fakeSandbox(answers: Record<string, SandboxResult> = {}) {
  const calls: string[] = [];
  const sandbox: Sandbox = {
    async evalExpression(expr) {
      calls.push(expr);
      return (
        answers[expr.trim()] ?? {
          ok: false,
          error: { kind: "runtime", message: `ReferenceError: '${expr.trim()}' is not defined` },
          logs: [],
        }
      );
    },
    async runScript() {
      throw new Error("templates never run scripts");
    },
  };
  return { sandbox, calls };
}

const scope: TemplateScope = {
  input: { n: 5, items: [{ id: "i1" }], s: "hi", none: null, obj: { a: [1] } },
  secrets: { API_KEY: "sk-1" },
  execution: { id: "ex-9" },
};

describe("evaluateTemplates", () => {
  it("keeps the type of a whole-string expression and interpolates embedded ones", async () => {
    const { sandbox, calls } = fakeSandbox();
    const params: JsonValue = {
      n: "${input.n}",
      obj: "${input.obj}",
      none: "${input.none}",
      missing: "${input.missing}",
      url: "https://x/${input.items[0].id}?n=${input.n}&none=${input.none}&gone=${input.missing}",
      json: "data=${input.obj}",
      auth: "Bearer ${secrets.API_KEY}",
      plain: "no templates",
      nested: [{ deep: ["${execution.id}"] }],
      untouched: [1, true, null],
    };
    expect(await evaluateTemplates(params, scope, { sandbox })).toEqual({
      ok: true,
      logs: [],
      value: {
        n: 5,
        obj: { a: [1] },
        none: null,
        missing: null,
        url: "https://x/i1?n=5&none=&gone=",
        json: 'data={"a":[1]}',
        auth: "Bearer sk-1",
        plain: "no templates",
        nested: [{ deep: ["ex-9"] }],
        untouched: [1, true, null],
      },
    });
    expect(calls).toEqual([]);
  });

  it("evaluates object keys", async () => {
    const { sandbox } = fakeSandbox();
    expect(await evaluateTemplates({ "${input.s}": 1, "k-${input.n}": "${input.n}" }, scope, { sandbox })).toMatchObject({
      value: { hi: 1, "k-5": 5 },
    });
  });

  it("turns $${ into a literal ${ without evaluating", async () => {
    const { sandbox, calls } = fakeSandbox();
    expect(await evaluateTemplates("price: $${input.n}", scope, { sandbox })).toMatchObject({ value: "price: ${input.n}" });
    expect(calls).toEqual([]);
  });

  it("sends anything but a plain path to the sandbox and collects its logs", async () => {
    const { sandbox, calls } = fakeSandbox({ "input.n * 2": { ok: true, value: 10, logs: [{ level: "log", message: "hi" }] } });
    expect(await evaluateTemplates({ a: "${ input.n * 2 }", b: "${Math.PI}" }, { input: { n: 5 } }, { sandbox })).toMatchObject({
      ok: false,
      logs: [{ level: "log", message: "hi" }],
    });
    expect(calls).toEqual([" input.n * 2 ", "Math.PI"]);
  });

  it("names the node and the param path in errors", async () => {
    const { sandbox } = fakeSandbox();
    const result = await evaluateTemplates({ headers: { Authorization: "Bearer ${foo}" } }, scope, { sandbox, nodeId: "fetch" });
    expect(result).toEqual({
      ok: false,
      logs: [],
      error: {
        node: "fetch",
        path: "nodes.fetch.params.headers.Authorization",
        kind: "runtime",
        message: "nodes.fetch.params.headers.Authorization: ReferenceError: 'foo' is not defined",
      },
    });
    const odd = await evaluateTemplates({ list: [0, { "x-y": "${bar}" }] }, scope, { sandbox, pathPrefix: "hooks.post" });
    expect(odd).toMatchObject({ error: { path: 'hooks.post.list[1]["x-y"]' } });
    const key = await evaluateTemplates({ "${baz}": 1 }, scope, { sandbox });
    expect(key).toMatchObject({ error: { path: 'params["${baz}"] (key)' } });
  });

  it("reports a malformed template as a syntax error", async () => {
    const { sandbox } = fakeSandbox();
    expect(await evaluateTemplates({ u: "x ${input.n" }, scope, { sandbox, nodeId: "n1" })).toMatchObject({
      ok: false,
      error: {
        node: "n1",
        path: "nodes.n1.params.u",
        kind: "syntax",
        message: "nodes.n1.params.u: SyntaxError: unterminated ${ expression: missing } at offset 4",
      },
    });
  });
});

describe("interpolate", () => {
  it.each([
    ["s", "s"],
    [1.5, "1.5"],
    [true, "true"],
    [null, ""],
    [undefined, ""],
    [[1, "a"], '[1,"a"]'],
    [{ a: 1 }, '{"a":1}'],
  ])("%j → %j", (value, text) => {
    expect(interpolate(value as JsonValue | undefined)).toBe(text);
  });
});
