import { beforeAll, describe, expect, it } from "vitest";
import { getSandbox, type Sandbox, type SandboxResult } from "../../../src/sandbox";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await getSandbox();
});

function failure(result: SandboxResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** After every hostile call the host and the engine must still serve an ordinary script. */
async function expectHealthy(): Promise<void> {
  const result = await sandbox.runScript("return [1, 2, 3].map((x) => x * input.k).concat(Object.keys({ a: 1 }))", { input: { k: 2 } });
  expect(result).toEqual({ ok: true, value: [2, 4, 6, "a"], logs: [] });
}

describe("runaway CPU", () => {
  it.each([
    ["while (true) {}"],
    ["for (;;) { try { while (true) {} } catch (e) {} }"],
    ["await null; while (true) {}"],
    ["return /(a+)+b/.test('a'.repeat(40))"],
    ["return { toJSON() { while (true) {} } }"],
    ["throw { name: 'E', get message() { while (true) {} } }"],
  ])("%s → timeout", async (body) => {
    expect(failure(await sandbox.runScript(body, {})).kind).toBe("timeout");
    await expectHealthy();
  });

  it("an endless chain of awaits in a detached async function → timeout", async () => {
    // Promise jobs cost far more per tick than plain loops, so a smaller budget keeps the test quick.
    const body = "const spin = async () => { while (true) await null }; spin(); await new Promise(() => {});";
    expect(failure(await sandbox.runScript(body, {}, { instructionBudget: 100 })).kind).toBe("timeout");
    await expectHealthy();
  });

  it("a promise chain that grows without bound fails even though its own promise settled", async () => {
    const error = failure(
      await sandbox.runScript(
        "let n = 0; const spin = () => { n++; return Promise.resolve().then(spin) }; spin(); await null; return n",
        {},
      ),
    );
    expect(["timeout", "memory"]).toContain(error.kind);
    await expectHealthy();
  });
});

describe("stack and memory", () => {
  it("deep recursion is a runtime error with a stack overflow message", async () => {
    const error = failure(await sandbox.runScript("function f(n) { return f(n + 1) + 1 }\nreturn f(0)", {}));
    expect(error.kind).toBe("runtime");
    expect(error.message).toMatch(/stack overflow/);
    expect(error.stack).toMatch(/^ {4}at f \(script\.js:1:\d+\) ×\d+$/m);
    await expectHealthy();
  });

  it("recursion through native callbacks is caught too", async () => {
    const error = failure(await sandbox.runScript("function g(a) { return [a].map((x) => g(x)) }\nreturn g(1)", {}));
    expect(error.message).toMatch(/stack overflow/);
    await expectHealthy();
  });

  it.each([
    ["growing arrays", "const a = []; while (true) a.push(new Array(1000).fill(1));"],
    ["growing objects", "const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: 'v' + i });"],
    ["one huge string", "return 'x'.repeat(1e9).length"],
    ["doubling strings", "let s = 'x'; while (true) s += s;"],
    ["copying strings", "let s = 'ab'; for (let i = 0; i < 40; i++) s = s + s.slice(1) + i; return s.length"],
  ])("%s → memory", async (_name, body) => {
    expect(failure(await sandbox.runScript(body, {})).kind).toBe("memory");
    await expectHealthy();
  });

  it("swallowing the out-of-memory error does not hide it", async () => {
    const result = await sandbox.runScript(
      "try { const a = []; while (true) a.push(new Array(1000).fill(1)) } catch (e) {}\nreturn 'survived'",
      {},
    );
    expect(failure(result).kind).toBe("memory");
    for (let i = 0; i < 5; i++) await expectHealthy();
  });

  it("a giant result is output_too_large", async () => {
    expect(failure(await sandbox.runScript("return 'x'.repeat(2 * 1024 * 1024)", {})).kind).toBe("output_too_large");
    const many = "return Array.from({ length: 100000 }, (_, i) => ({ i, s: 'abcdefghij' }))";
    expect(failure(await sandbox.runScript(many, {})).kind).toBe("output_too_large");
    await expectHealthy();
  });
});

describe("isolation between calls", () => {
  it("prototype and global tampering does not leak into the next call", async () => {
    const tamper = `
      Object.prototype.x = 1;
      Array.prototype.map = function () { return "hacked" };
      JSON.stringify = () => '"pwned"';
      JSON.parse = () => "pwned";
      Object.defineProperty = () => { throw new Error("no") };
      globalThis.leak = "from the previous call";
      return { a: 1 };`;
    expect(await sandbox.runScript(tamper, { input: { k: 1 } })).toEqual({ ok: true, value: { a: 1 }, logs: [] });
    const probe = "return [({}).x ?? 'clean', [1, 2].map((v) => v * 2), typeof leak, JSON.stringify(input)]";
    expect(await sandbox.runScript(probe, { input: { k: 1 } })).toMatchObject({
      ok: true,
      value: ["clean", [2, 4], "undefined", '{"k":1}'],
    });
  });

  it("a poisoned getter on Object.prototype cannot break scope installation", async () => {
    const result = await sandbox.runScript(
      "Object.defineProperty(Object.prototype, 'get', { value: 1, configurable: true });\nreturn input.k",
      { input: { k: 7 } },
    );
    expect(result).toMatchObject({ ok: true, value: 7 });
  });
});

describe("no host capabilities", () => {
  it.each([
    ["typeof fetch"],
    ["typeof globalThis.fetch"],
    ["typeof process"],
    ["typeof require"],
    ["typeof setTimeout"],
    ["typeof setInterval"],
    ["typeof queueMicrotask"],
    ["typeof WebAssembly"],
    ["typeof Function('return this')().fetch"],
    ["typeof (0, eval)('this').process"],
    ["globalThis.constructor.constructor('return typeof caches')()"],
    ["typeof hostLog"],
    ["typeof Deno"],
    ["typeof navigator"],
    ["typeof crypto"],
    ["typeof env"],
  ])("%s is undefined", async (expr) => {
    expect(await sandbox.evalExpression(expr, {})).toEqual({ ok: true, value: "undefined", logs: [] });
  });

  it("the global object holds only language built-ins and the scope", async () => {
    const result = await sandbox.runScript("return Object.getOwnPropertyNames(globalThis)", { input: 1 });
    const names = result.ok ? (result.value as string[]) : [];
    for (const hostName of ["fetch", "process", "require", "setTimeout", "WebAssembly", "Request", "Response", "caches", "scheduler"]) {
      expect(names).not.toContain(hostName);
    }
    expect(names).toContain("input");
  });

  it("dynamic import fails without reaching a module loader", async () => {
    const error = failure(await sandbox.runScript('return await import("x")', {}));
    expect(error.kind).toBe("runtime");
    await expectHealthy();
  });

  it("eval and Function work only inside the sandbox", async () => {
    expect(await sandbox.evalExpression("eval('1 + 1') + Function('return 40')()", {})).toMatchObject({ ok: true, value: 42 });
    const error = failure(await sandbox.evalExpression("Function('return process')()", {}));
    expect(error.message).toMatch(/ReferenceError/);
  });
});

describe("throwing non-Error values", () => {
  it.each([
    ["throw 1", "Uncaught 1"],
    ["throw { a: 1 }", 'Uncaught {"a":1}'],
    ["throw null", "Uncaught null"],
    ["throw undefined", "Uncaught undefined"],
    ['throw "boom"', "Uncaught boom"],
    ["await Promise.reject(42)", "Uncaught 42"],
  ])("%s → runtime error %s", async (body, message) => {
    expect(failure(await sandbox.runScript(body, {}))).toEqual({ kind: "runtime", message });
    await expectHealthy();
  });
});
