import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lookupPath, parsePath } from "../../../src/expressions";
import type { JsonValue } from "../../../src/lib/json";

describe("parsePath", () => {
  it.each([
    ["input", { root: "input", steps: [] }],
    [
      "input.items[0].id",
      {
        root: "input",
        steps: [
          { key: "items", optional: false },
          { key: 0, optional: false },
          { key: "id", optional: false },
        ],
      },
    ],
    [
      'results.fetch.body["x-y"]',
      {
        root: "results",
        steps: [
          { key: "fetch", optional: false },
          { key: "body", optional: false },
          { key: "x-y", optional: false },
        ],
      },
    ],
    ["secrets['API_KEY']", { root: "secrets", steps: [{ key: "API_KEY", optional: false }] }],
    [
      " input?.a?.[1] ",
      {
        root: "input",
        steps: [
          { key: "a", optional: true },
          { key: 1, optional: true },
        ],
      },
    ],
    ["execution.id", { root: "execution", steps: [{ key: "id", optional: false }] }],
  ])("%s", (expr, path) => {
    expect(parsePath(expr)).toEqual(path);
  });

  it.each([
    ["input.a + 1"],
    ["input.a()"],
    ["input[k]"],
    ['input["a\\"b"]'],
    ["this.x"],
    ["true"],
    ["null"],
    ["input.a.b c"],
    ["1"],
    ["input[-1]"],
    ["new x"],
    [""],
  ])("%s is not a plain path", (expr) => {
    expect(parsePath(expr)).toBeNull();
  });
});

describe("lookupPath", () => {
  const scope: Record<string, JsonValue> = {
    input: { items: [{ id: "a1" }, { id: "a2" }], s: "hey", n: 3, nothing: null, "x-y": true },
    secrets: { API_KEY: "k" },
  };
  const look = (expr: string) => lookupPath(parsePath(expr)!, scope);

  it.each([
    ["input.items[1].id", "a2"],
    ["input.items.length", 2],
    ["input.s.length", 3],
    ["input.s[1]", "e"],
    ['input["x-y"]', true],
    ["input.missing", undefined],
    ["input.items[5]", undefined],
    ["input.nothing", null],
    ["input.nothing?.deeper.still", undefined],
    ["input.missing?.x", undefined],
    ["secrets.API_KEY", "k"],
  ])("%s → %j", (expr, value) => {
    expect(look(expr)).toEqual({ found: true, value });
  });

  it.each([
    ["foo.bar"],
    ["Math.PI"],
    ["input.nothing.x"],
    ["input.missing.x"],
    ["input.items.map"],
    ["input.toString"],
    ["input.s.toUpperCase"],
    ["input.n.toFixed"],
    ["input.constructor"],
  ])("%s falls back to the sandbox", (expr) => {
    expect(look(expr)).toEqual({ found: false });
  });

  it("agrees with JavaScript wherever it answers", () => {
    const key = fc.constantFrom("a", "b", "length", "0", "1", "x-y", "items", "constructor", "toString", "__proto__", "valueOf", "map");
    const step = fc.tuple(key, fc.boolean(), fc.boolean()).map(([k, bracket, optional]) => {
      const numeric = /^\d+$/.test(k);
      if (numeric) return `${optional ? "?." : ""}[${k}]`;
      if (bracket || !/^[A-Za-z_$][\w$]*$/.test(k)) return `${optional ? "?." : ""}["${k}"]`;
      return `${optional ? "?." : "."}${k}`;
    });
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(step, { maxLength: 4 }), (input, steps) => {
        const expr = `input${steps.join("")}`;
        const path = parsePath(expr);
        expect(path).not.toBeNull();
        const fast = lookupPath(path!, { input: input as JsonValue });
        if (!fast.found) return;
        // Node's V8 and QuickJS share these semantics; JSON normalises what crosses the sandbox.
        const actual = new Function("input", `return ${expr}`)(JSON.parse(JSON.stringify(input)));
        const normalise = (v: unknown) =>
          typeof v === "function" ? undefined : v === undefined ? undefined : JSON.parse(JSON.stringify(v));
        expect(normalise(fast.value)).toEqual(normalise(actual));
      }),
      { numRuns: 2000 },
    );
  });
});
