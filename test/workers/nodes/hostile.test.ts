import { describe, expect, it } from "vitest";
import { done, fail, run } from "./helpers";

const healthy = async () => {
  const { outcome } = await run({ type: "transform", params: { script: "return input.map((x) => x * 2)" } }, { input: [1, 2, 3] });
  expect(done(outcome).output).toEqual([2, 4, 6]);
};

describe("hostile scripts inside nodes", () => {
  it("an endless loop in a transform is script_timeout, and the next node call works", async () => {
    const { error } = await fail({ type: "transform", params: { script: "while (true) {}" } });
    expect(error.code).toBe("script_timeout");
    expect(error.details).toEqual({ kind: "timeout", line: null, column: null });
    await healthy();
  });

  it("an endless loop that swallows exceptions still times out", async () => {
    const { error } = await fail({ type: "transform", params: { script: "for (;;) { try { while (true) {} } catch (e) {} }" } });
    expect(error.code).toBe("script_timeout");
    await healthy();
  });

  it("an endless loop in a hook or a template times out the same way", async () => {
    expect((await fail({ type: "transform", params: { script: "return 1" }, hooks: { post: "while (true) {}" } })).error.code).toBe(
      "script_timeout",
    );
    const template = await fail(
      { type: "transform", params: { v: "${ (() => { for (;;) {} })() }", script: "return 1" } },
      { nodeId: "spin" },
    );
    expect(template.error.code).toBe("template_error");
    expect(template.error.message).toBe("nodes.spin.params.v: Script exceeded its instruction budget of 1000 ticks (infinite loop?)");
    await healthy();
  });

  it("a memory bomb is script_memory, and the next node call works", async () => {
    const { error } = await fail({ type: "transform", params: { script: "const a = []; for (;;) a.push('x'.repeat(1024) + a.length);" } });
    expect(error.code).toBe("script_memory");
    await healthy();
  });

  it("runaway recursion is a runtime error, and the next node call works", async () => {
    const { error } = await fail({ type: "transform", params: { script: "const f = (n) => f(n + 1) + 1; return f(0)" } });
    expect(error.code).toBe("script_runtime");
    expect(error.message).toMatch(/^script: InternalError: stack overflow/);
    await healthy();
  });

  it("prototype tampering dies with the call", async () => {
    await run({ type: "transform", params: { script: "Array.prototype.map = () => 'hijacked'; Object.prototype.evil = 1; return 1" } });
    await healthy();
    const { outcome } = await run({ type: "transform", params: { script: "return ({}).evil ?? 'clean'" } });
    expect(done(outcome).output).toBe("clean");
  });

  it("a script has no network, timers or host globals", async () => {
    const { outcome } = await run({
      type: "transform",
      params: { script: "return [typeof fetch, typeof setTimeout, typeof process, typeof require, typeof caches, typeof WebAssembly]" },
    });
    expect(done(outcome).output).toEqual(["undefined", "undefined", "undefined", "undefined", "undefined", "undefined"]);
  });
});
