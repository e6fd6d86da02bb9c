import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, getSandbox, type Sandbox } from "../../../src/sandbox";
import { failure, value } from "./results";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await getSandbox();
});

describe("scope", () => {
  const scope = {
    input: { id: 7, items: [{ price: 2 }, { price: 3 }] },
    shared: { count: 1 },
    results: { fetch: { status: 200, body: { "x-y": "z" } } },
    params: { factor: 10 },
    secrets: { API_KEY: "k-123" },
    execution: { id: "ex-1", flow_id: "f", account_id: "a", started_at: "2026-01-01T00:00:00Z" },
  };

  it("exposes every name the caller passes", async () => {
    const body = `return {
      total: input.items.reduce((s, l) => s + l.price, 0) * params.factor,
      status: results.fetch.status, header: results.fetch.body["x-y"],
      key: secrets.API_KEY, run: execution.id, count: shared.count,
    }`;
    expect(value(await sandbox.runScript(body, scope))).toEqual({
      total: 50,
      status: 200,
      header: "z",
      key: "k-123",
      run: "ex-1",
      count: 1,
    });
  });

  it("leaves out names the caller does not pass", async () => {
    expect(value(await sandbox.evalExpression("typeof secrets", { input: 1 }))).toBe("undefined");
  });

  it("returns shared after the script changed it, and as given when untouched", async () => {
    const changed = await sandbox.runScript("shared.count += 1; shared.seen = input.id; return 'ok'", scope);
    expect(changed).toMatchObject({ ok: true, value: "ok", shared: { count: 2, seen: 7 } });
    const replaced = await sandbox.runScript("shared = { fresh: true }", { shared: { old: 1 } });
    expect(replaced).toMatchObject({ ok: true, value: null, shared: { fresh: true } });
    const untouched = await sandbox.runScript("return 1", { shared: { old: 1 } });
    expect(untouched).toMatchObject({ ok: true, shared: { old: 1 } });
    const absent = await sandbox.runScript("return 1", { input: 1 });
    expect(absent).not.toHaveProperty("shared");
  });

  it("mutating a scope value inside the sandbox does not touch the caller's object", async () => {
    const input = { list: [1] };
    await sandbox.runScript("input.list.push(2)", { input });
    expect(input).toEqual({ list: [1] });
  });
});

describe("values cross as JSON", () => {
  it.each([
    ["return 42", 42],
    ["return -0.5", -0.5],
    ['return "héllo 👋"', "héllo 👋"],
    ["return true", true],
    ["return null", null],
    ["return undefined", null],
    ["", null],
    ["return [1, 'a', null, { b: [true] }]", [1, "a", null, { b: [true] }]],
    ["return { a: 1, f() {}, u: undefined, s: Symbol('x') }", { a: 1 }],
    ["return [undefined, () => 1]", [null, null]],
    ["return () => 1", null],
    ["return NaN", null],
    ["return new Date(0)", "1970-01-01T00:00:00.000Z"],
    ["return new Map([[1, 2]])", {}],
    ["return { toJSON() { return 'custom' } }", "custom"],
  ])("%s → %j", async (body, expected) => {
    expect(value(await sandbox.runScript(body, {}))).toEqual(expected);
  });

  it("round-trips whatever the scope holds", async () => {
    const input = { n: 1.5, s: "ü\u2028\"'`${x}", b: false, z: null, a: [[], {}], deep: { x: { y: { z: [1, 2, 3] } } } };
    expect(value(await sandbox.runScript("return input", { input }))).toEqual(input);
  });

  it("a BigInt or a cycle in the result is a runtime error", async () => {
    expect(failure(await sandbox.runScript("return 1n", {})).message).toMatch(/TypeError/);
    expect(failure(await sandbox.runScript("const a = {}; a.a = a; return a", {})).message).toMatch(/TypeError/);
  });
});

describe("modern JavaScript", () => {
  it("runs ES2023 features", async () => {
    const body = `
      class Counter { #n = 0; static zero = 0; inc() { return ++this.#n } }
      const c = new Counter(); c.inc();
      const { a, ...rest } = { a: 1, b: 2, c: 3 };
      const grouped = Object.groupBy([1, 2, 3, 4], (x) => (x % 2 ? "odd" : "even"));
      return [c.inc(), rest, [3, 1, 2].toSorted(), [1, 2, 3].findLast((x) => x < 3), [1, 2, 3].at(-1),
        null ?? "d", ({}).x?.y, 2n ** 64n > 0n, "a-b-c".replaceAll("-", ""), grouped.odd,
        /(?<y>\\d{4})/.exec("in 2026").groups.y, Object.hasOwn({ q: 1 }, "q"), [..."ab"].with(0, "z")];`;
    expect(value(await sandbox.runScript(body, {}))).toEqual([
      2,
      { b: 2, c: 3 },
      [1, 2, 3],
      2,
      3,
      "d",
      null,
      true,
      "abc",
      [1, 3],
      "2026",
      true,
      ["z", "b"],
    ]);
  });

  it("creates rarely used built-ins on demand, and all of them for code that reaches globals dynamically", async () => {
    expect(
      value(
        await sandbox.evalExpression(
          "[typeof Uint8Array, typeof Proxy, typeof Date, typeof Map, typeof Promise, 'é'.normalize('NFD').length]",
          {},
        ),
      ),
    ).toEqual(["function", "function", "function", "function", "function", 2]);
    expect(value(await sandbox.evalExpression("typeof globalThis['Uint8' + 'Array']", {}))).toBe("function");
    expect(value(await sandbox.evalExpression("[].constructor.constructor('return typeof Float64Array')()", {}))).toBe("function");
    expect(value(await sandbox.evalExpression("eval('res' + 'ults').x", { results: { x: 1 } }))).toBe(1);
  });

  it("supports await at the top level of a script and in expressions", async () => {
    expect(value(await sandbox.runScript("const v = await Promise.resolve(5); return v * 2", {}))).toBe(10);
    expect(value(await sandbox.evalExpression("await Promise.all([1, Promise.resolve(2)])", {}))).toEqual([1, 2]);
    expect(failure(await sandbox.runScript("await new Promise(() => {})", {})).message).toMatch(/never settles/);
  });
});

describe("console", () => {
  it("captures every level and formats values", async () => {
    const body =
      "console.log('a', 1, { b: [2] }, null, undefined); console.info('i'); console.warn('w'); console.error(new TypeError('bad')); console.debug('d'); return 0";
    const result = await sandbox.runScript(body, {});
    expect(result.logs.map((line) => line.level)).toEqual(["log", "info", "warn", "error", "debug"]);
    expect(result.logs[0]?.message).toBe('a 1 {"b":[2]} null undefined');
    expect(result.logs[3]?.message).toMatch(/^TypeError: bad/);
  });

  it("keeps logs of a failed run", async () => {
    const result = await sandbox.runScript("console.log('before'); throw new Error('x')", {});
    expect(result).toMatchObject({ ok: false, logs: [{ level: "log", message: "before" }] });
  });

  it("bounds the number of lines and ends with a truncation marker", async () => {
    const result = await sandbox.runScript("for (let i = 0; i < 1000; i++) console.log(i); return 1", {}, { logLines: 5 });
    expect(result.logs).toEqual([
      { level: "log", message: "0" },
      { level: "log", message: "1" },
      { level: "log", message: "2" },
      { level: "log", message: "3" },
      { level: "warn", message: "… truncated" },
    ]);
  });

  it("bounds the bytes, cutting the last line", async () => {
    const result = await sandbox.runScript(
      "console.log('x'.repeat(60)); console.log('y'.repeat(60)); console.log('z')",
      {},
      { logBytes: 100 },
    );
    expect(result.logs.map((l) => l.message)).toEqual(["x".repeat(60), "y".repeat(40), "… truncated"]);
  });

  it("a log flood stays bounded by default", async () => {
    const result = await sandbox.runScript("for (let i = 0; i < 1e5; i++) console.log('x'.repeat(1000)); return 1", {});
    expect(result.ok).toBe(true);
    expect(result.logs.length).toBeLessThanOrEqual(DEFAULT_LIMITS.logLines);
    expect(result.logs.at(-1)?.message).toBe("… truncated");
  });
});

describe("errors point into the user's code", () => {
  it("syntax errors carry line and column", async () => {
    expect(failure(await sandbox.runScript("let a = 1;\nlet b = ;\nreturn a", {}))).toMatchObject({ kind: "syntax", line: 2, column: 9 });
    expect(failure(await sandbox.runScript("if (true) {\n  return 1", {}))).toMatchObject({ kind: "syntax", line: 2 });
    expect(failure(await sandbox.evalExpression("input.a +", { input: {} }))).toMatchObject({ kind: "syntax", line: 1 });
  });

  it("runtime errors carry name, message, line, column and a stack without the wrapper", async () => {
    const error = failure(await sandbox.runScript("const x = 1;\nfunction f() {\n  return foo.bar;\n}\nreturn f()", {}));
    expect(error).toMatchObject({ kind: "runtime", message: "ReferenceError: 'foo' is not defined", line: 3, column: 10 });
    expect(error.stack).toMatch(/^ {4}at f \(script\.js:3:10\)\n {4}at <script> \(script\.js:5:\d+\)$/);
  });

  it("errors thrown from eval'd code or JSON.parse are runtime errors", async () => {
    expect(failure(await sandbox.runScript("return JSON.parse('{')", {})).kind).toBe("runtime");
    expect(failure(await sandbox.runScript("return eval('1 +')", {})).kind).toBe("runtime");
  });

  it("a trailing line comment in an expression is harmless", async () => {
    expect(value(await sandbox.evalExpression("input.a * 2 // doubled", { input: { a: 4 } }))).toBe(8);
  });
});

describe("limits can be overridden per call", () => {
  const loop = "let s = 0; for (let i = 0; i < 2e5; i++) s += i; return s";

  it("instruction budget", async () => {
    expect(value(await sandbox.runScript(loop, {}))).toBe(19999900000);
    expect(failure(await sandbox.runScript(loop, {}, { instructionBudget: 5 })).kind).toBe("timeout");
  });

  it("memory", async () => {
    // About 12 MB of array elements: fits the 16 MiB default, not an 8 MiB heap.
    const grow = "const a = []; for (let i = 0; i < 1500; i++) a.push(new Array(1000).fill(i)); return a.length";
    expect(value(await sandbox.runScript(grow, {}))).toBe(1500);
    expect(failure(await sandbox.runScript(grow, {}, { memoryBytes: 8 * 1024 * 1024 })).kind).toBe("memory");
    expect(value(await sandbox.runScript(grow, {}))).toBe(1500);
    expect(value(await sandbox.runScript(grow, {}, { memoryBytes: 32 * 1024 * 1024 }))).toBe(1500);
  });

  it("output size", async () => {
    expect(value(await sandbox.runScript("return 'x'.repeat(100)", {}, { outputBytes: 102 }))).toHaveLength(100);
    expect(failure(await sandbox.runScript("return 'x'.repeat(100)", {}, { outputBytes: 101 })).kind).toBe("output_too_large");
  });

  it("stack", async () => {
    const depth = "let d = 0; function f() { d++; f() } try { f() } catch (e) {} return d";
    const deep = value(await sandbox.runScript(depth, {})) as number;
    const shallow = value(await sandbox.runScript(depth, {}, { stackBytes: 32 * 1024 })) as number;
    expect(shallow).toBeLessThan(deep / 2);
  });

  it("a scope too large for the memory limit is refused before it enters the heap", async () => {
    const input = "x".repeat(5 * 1024 * 1024);
    expect(failure(await sandbox.runScript("return input.length", { input })).kind).toBe("memory");
    expect(value(await sandbox.runScript("return input.length", { input }, { memoryBytes: 32 * 1024 * 1024 }))).toBe(input.length);
  });
});
