import { beforeEach, describe, expect, it } from "vitest";
import { createSandbox, newBoundedModule, type Sandbox } from "../../../src/sandbox";
import { QuickJSEngine } from "../../../src/sandbox/engine";
import { LOCKDOWN_FILENAME, LOCKDOWN_SOURCE } from "../../../src/sandbox/lockdown";
import { prepareScript } from "../../../src/sandbox/source";
import { resolveLimits } from "../../../src/sandbox/types";
import { failure, value } from "./results";

// Calls made for one account share a locked-down context from the first call on here (the
// service waits for DEFAULT_SHARE_AFTER calls), so every test below runs through the shared path.
const MIB = 1024 * 1024;

describe("a context shared by an account's calls", () => {
  let engine: QuickJSEngine;
  const limits = resolveLimits({ memoryBytes: 8 * MIB });
  const run = (body: string, scope: Record<string, never> | Record<string, unknown> = {}, key = "acc_1") =>
    engine.execute(prepareScript(body), scope as never, limits, key);

  beforeEach(async () => {
    engine = new QuickJSEngine(await newBoundedModule(16 * MIB), 0);
  });

  it("is built once and kept while calls end cleanly", () => {
    for (let i = 0; i < 20; i++) expect(value(run("return input.n * 2", { input: { n: i } }))).toBe(i * 2);
    expect(engine.sharing).toMatchObject({ built: 1, live: 1 });
  });

  it("keeps no global a call created, on purpose or by a missing declaration", () => {
    expect(value(run("stash = input.secret; total = 1; return typeof stash", { input: { secret: "s3cr3t" } }))).toBe("string");
    expect(value(run("return [typeof stash, typeof total]"))).toEqual(["undefined", "undefined"]);
    expect(engine.sharing.built).toBe(1);
  });

  it("gives a call only its own scope: the previous call's secrets and input are gone", () => {
    expect(value(run("return secrets.API_KEY.length", { secrets: { API_KEY: "k-123" }, input: { a: 1 } }))).toBe(5);
    expect(value(run("return [typeof secrets, typeof input, typeof results]", { results: {} }))).toEqual([
      "undefined",
      "undefined",
      "object",
    ]);
  });

  it("a built-in changed through an alias keeps nothing for the next call", () => {
    const body = "const f = String.fromCharCode; f.stash = input.v; const m = Math; m.stash = input.v; m.max = () => input.v; return 1";
    expect(prepareScript(body).shareable).toBe(true);
    value(run(body, { input: { v: "leak" } }));
    expect(value(run("return [typeof String.fromCharCode.stash, typeof Math.stash, Math.max(1, 2)]"))).toEqual([
      "undefined",
      "undefined",
      2,
    ]);
  });

  it("strict code that writes to a built-in is told so", () => {
    const error = failure(run('"use strict"; const m = Math; m.stash = 1; return 1'));
    expect(error.kind).toBe("runtime");
    expect(error.message).toMatch(/TypeError/);
  });

  it("code that extends a prototype runs in a fresh context of its own, and the change dies with it", () => {
    const body = "Array.prototype.last = function () { return this[this.length - 1] }; return [1, 2, 3].last()";
    expect(prepareScript(body).shareable).toBe(false);
    expect(value(run(body))).toBe(3);
    expect(value(run("return typeof [].last"))).toBe("undefined");
  });

  it("a script compiled once sees each call's own scope", () => {
    for (let i = 0; i < 5; i++) expect(value(run("const seen = input.n; return seen * 10", { input: { n: i } }))).toBe(i * 10);
  });

  it("keeps compiled scripts within a size bound; a large script is parsed each time and still runs", () => {
    const large = `const pad = "${"x".repeat(9000)}"; return pad.length + input.n`;
    expect(value(run(large, { input: { n: 1 } }))).toBe(9001);
    expect(value(run(large, { input: { n: 2 } }))).toBe(9002);
    expect(engine.sharing.compiled.scripts).toBe(0);
    // Distinct 4 KB scripts: the cache evicts the oldest past 64 KB of source.
    for (let i = 0; i < 40; i++) {
      const body = `const pad = "${String(i).repeat(2000)}"; return pad.length + ${i}`;
      expect(value(run(body))).toBe(String(i).length * 2000 + i);
    }
    const { scripts, chars } = engine.sharing.compiled;
    expect(chars).toBeLessThanOrEqual(64 * 1024);
    expect(scripts).toBeGreaterThan(10);
    expect(scripts).toBeLessThan(40);
  });

  it("a script that can reach its own function object is compiled afresh each time", () => {
    const body = "const previous = arguments.callee.stash; arguments.callee.stash = input.v; return previous ?? null";
    expect(prepareScript(body).reusable).toBe(false);
    expect(value(run(body, { input: { v: "first" } }))).toBeNull();
    expect(value(run(body, { input: { v: "second" } }))).toBeNull();
  });

  it("errors point at the same line and column as in a fresh context", () => {
    const fresh = (body: string) => failure(engine.execute(prepareScript(body), {}, limits));
    for (const body of ["const a = 1;\nreturn a +;", "const a = 1;\n  null.x;", "const a = 1;\n  throw new Error('e');"]) {
      const expected = fresh(body);
      expect(expected.line).toBe(2);
      const { kind, line, column } = expected;
      expect(failure(run(body))).toMatchObject({ kind, line, column });
      // Again, now that the wrapper is compiled: the cached function reports the same place.
      expect(failure(run(body))).toMatchObject({ kind, line, column });
    }
  });

  it("each call's console lines are its own", () => {
    const first = run("console.log('first', input); return 1", { input: { a: 1 } });
    const second = run("console.warn('second'); return 2");
    expect(first.logs).toEqual([{ level: "log", message: 'first {"a":1}' }]);
    expect(second.logs).toEqual([{ level: "warn", message: "second" }]);
  });

  it("a call cut short by its budget gives the context up; its detached jobs cannot touch the next call", () => {
    const spin =
      "const spin = async () => { for (;;) { await null; try { input.hacked = true } catch (e) {} } }; spin(); await new Promise(() => {});";
    expect(prepareScript(spin).shareable).toBe(true);
    expect(
      failure(engine.execute(prepareScript(spin), { input: {} }, resolveLimits({ ...limits, instructionBudget: 100 }), "acc_1")).kind,
    ).toBe("timeout");
    expect(engine.sharing.live).toBe(0);
    expect(value(run("return input", { input: { clean: true } }))).toEqual({ clean: true });
  });

  it("contexts are per account", () => {
    value(run("leftover = 1; return 1", {}, "acc_1"));
    expect(value(run("return typeof leftover", {}, "acc_2"))).toBe("undefined");
    expect(engine.sharing).toMatchObject({ built: 2, live: 2 });
  });

  it("does not grow: thousands of calls that allocate fit in a heap a leak would exhaust", () => {
    // Each call holds ≈ 200 KB while it runs; a context that kept a call's objects would run out of
    // its 8 MiB within about forty calls.
    const body = "const rows = input.rows.map((r) => ({ ...r, big: 'x'.repeat(2000) })); return rows.length";
    const rows = Array.from({ length: 100 }, (_, i) => ({ i }));
    for (let i = 0; i < 2000; i++) expect(value(run(body, { input: { rows } }))).toBe(100);
    expect(engine.sharing).toMatchObject({ built: 1, live: 1 });
  });

  it("a runaway script, a memory bomb and an oversized result end as they do in a fresh context", () => {
    expect(failure(run("while (true) {}")).kind).toBe("timeout");
    expect(value(run("return 1"))).toBe(1);
    expect(failure(run("return 'x'.repeat(2 * 1024 * 1024)")).kind).toBe("output_too_large");
    expect(failure(run("const a = []; for (;;) a.push('x'.repeat(1e5))")).kind).toBe("memory");
    // As with a fresh context: the whole wasm instance is given up, and the sandbox builds another.
    expect(engine.poisoned).toBe(true);
  });
});

describe("lockdown", () => {
  it("freezes every built-in reachable from the global object and the hidden intrinsics", async () => {
    const module = await newBoundedModule(16 * MIB);
    const ctx = module.newRuntime().newContext();
    const locked = ctx.evalCode(LOCKDOWN_SOURCE, LOCKDOWN_FILENAME);
    expect(locked.error).toBeUndefined();
    // Walks again, from more roots than the lockdown names, and lists whatever is still writable.
    const check = ctx.evalCode(`(() => {
      const roots = [globalThis, [].values(), ""[Symbol.iterator](), new Map().keys(), new Set().entries(), /a/g[Symbol.matchAll]("a"),
        [].values().filter(Boolean), Iterator.from({ next() { return { done: true } } }), function* () {},
        // A generator's own prototype object is made per function; the one above it is the built-in.
        Object.create(Object.getPrototypeOf((function* () {}).prototype)), async function () {}, async function* () {},
        Object.create(Object.getPrototypeOf((async function* () {}).prototype)), async () => {}, Promise.resolve(), new Error("e"),
        new Uint8Array(1), new ArrayBuffer(1), new DataView(new ArrayBuffer(1)), new WeakRef({}), new Proxy({}, {}), 1n, Symbol("s"), (function () { return arguments; })()];
      const open = [];
      const seen = new Set();
      const stack = roots.map((r, i) => [r, "root" + i]);
      while (stack.length) {
        const [o, path] = stack.pop();
        if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.has(o)) continue;
        seen.add(o);
        const root = roots.includes(o) && o !== globalThis;
        if (o !== globalThis && !root && !Object.isFrozen(o)) open.push(path);
        stack.push([Object.getPrototypeOf(o), path + ".__proto__"]);
        if (root) continue; // instances made here are not built-ins; their prototypes are
        for (const k of Reflect.ownKeys(o)) {
          const d = Object.getOwnPropertyDescriptor(o, k);
          if (o === globalThis && d.configurable) open.push("globalThis." + String(k) + " is configurable");
          if ("value" in d) stack.push([d.value, path + "." + String(k)]);
          else stack.push([d.get, path + ".get " + String(k)], [d.set, path + ".set " + String(k)]);
        }
      }
      return JSON.stringify({ open: open.slice(0, 20), count: open.length, seen: seen.size });
    })()`);
    if (check.error) throw new Error(JSON.stringify(ctx.dump(check.error)));
    const report = JSON.parse(ctx.getString(check.value)) as { open: string[]; count: number; seen: number };
    expect(report.open.join("; ")).toBe("");
    expect(report.seen).toBeGreaterThan(500);
  });
});

describe("reset", () => {
  it("deletes what a call added, and reports what it could not", async () => {
    const module = await newBoundedModule(16 * MIB);
    const ctx = module.newRuntime().newContext();
    const reset = ctx.unwrapResult(ctx.evalCode(LOCKDOWN_SOURCE, LOCKDOWN_FILENAME));
    const run = (code: string): unknown => {
      const result = ctx.unwrapResult(ctx.evalCode(code));
      const value: unknown = ctx.dump(result);
      result.dispose();
      return value;
    };
    const clear = (): number => {
      const result = ctx.unwrapResult(ctx.callFunction(reset, ctx.undefined));
      const kept = ctx.getNumber(result);
      result.dispose();
      return kept;
    };
    run("stash = 1; other = 2; globalThis[Symbol.for('s')] = 3");
    expect(clear()).toBe(0);
    expect(run("[typeof stash, typeof other, typeof globalThis[Symbol.for('s')]]")).toEqual(["undefined", "undefined", "undefined"]);
    // An index-like key sorts before the built-ins: one of them lands in the range reset walks.
    run("globalThis[0] = 'first'; later = 1");
    expect(clear()).toBeGreaterThan(0);
    run("Object.defineProperty(globalThis, 'pinned', { value: 1, configurable: false })");
    expect(clear()).toBeGreaterThan(0);
    reset.dispose();
  });
});

describe("through the isolate's sandbox", () => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = createSandbox(newBoundedModule, { shareAfter: 0 }).forAccount("acc_1");
  });

  it("scripts and expressions share the account's context without seeing each other's scope", async () => {
    expect(value(await sandbox.runScript("note = secrets.K; return shared.n + 1", { shared: { n: 1 }, secrets: { K: "v" } }))).toBe(2);
    expect(value(await sandbox.evalExpression("[typeof note, typeof secrets, input.x]", { input: { x: 3 } }))).toEqual([
      "undefined",
      "undefined",
      3,
    ]);
  });

  it("`shared` written by a script still comes back", async () => {
    const result = await sandbox.runScript("shared.count = (shared.count ?? 0) + 1; return 'ok'", { shared: { count: 4 } });
    expect(result).toMatchObject({ ok: true, value: "ok", shared: { count: 5 } });
  });
});
