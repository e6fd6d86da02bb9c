import { describe, expect, it } from "vitest";
import { validateFlow, validateFlowMemo } from "../../../src/flow";

const source = (n: number) => `nodes:\n  a:\n    type: transform\n    params:\n      script: "return { n: ${n} }"\n`;

describe("validateFlowMemo", () => {
  it("gives what validateFlow gives, and the same result for the same text", () => {
    const text = source(1);
    const first = validateFlowMemo(text, { name: "memo-a" });
    expect(first).toEqual(validateFlow(text, { name: "memo-a" }));
    expect(first.valid).toBe(true);
    expect(validateFlowMemo(text, { name: "memo-a" })).toBe(first);
  });

  it("keys on the name as well as the text", () => {
    const text = source(2);
    const a = validateFlowMemo(text, { name: "memo-one" });
    const b = validateFlowMemo(text, { name: "memo-two" });
    expect(a).not.toBe(b);
    expect(a.flow?.metadata.name).toBe("memo-one");
    expect(b.flow?.metadata.name).toBe("memo-two");
  });

  it("remembers invalid sources with their errors and positions", () => {
    const text = "nodes:\n  a:\n    type: nope\n";
    const result = validateFlowMemo(text, { name: "memo-invalid" });
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ code: "unknown_node_type", line: 3, column: 11 })]);
    expect(validateFlowMemo(text, { name: "memo-invalid" })).toBe(result);
  });

  it("hands out frozen results, so no caller can change another's", () => {
    const result = validateFlowMemo(source(3));
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.flow?.nodes)).toBe(true);
    expect(() => {
      (result.flow!.nodes as Record<string, unknown>).b = {};
    }).toThrow(TypeError);
  });

  it("forgets the least recently used sources past its bound", () => {
    const kept = validateFlowMemo(source(4));
    const oldest = validateFlowMemo(source(1000));
    for (let i = 1; i < 300; i++) {
      validateFlowMemo(source(1000 + i));
      if (i % 50 === 0) expect(validateFlowMemo(source(4))).toBe(kept);
    }
    expect(validateFlowMemo(source(4))).toBe(kept);
    // 300 other sources later, the one never used again was dropped: validating it again is a new result.
    const again = validateFlowMemo(source(1000));
    expect(again).not.toBe(oldest);
    expect(again).toEqual(oldest);
    expect(validateFlowMemo(source(1000))).toBe(again);
  });
});
