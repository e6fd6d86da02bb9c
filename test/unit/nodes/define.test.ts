/** defineNode: one declaration and one implementation, with side effects declared per call. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineNodeType } from "../../../src/flow/node-types/spec";
import { defineNode, done } from "../../../src/nodes/define";

const kv = defineNodeType({
  type: "test.kv",
  description: "A key-value operation, for these tests",
  actions: ["default"],
  params: { operation: z.enum(["get", "set"]), key: z.string(), ttl: z.number().default(60) },
});

describe("defineNode", () => {
  it("decides side effects from the resolved params of each call", () => {
    const node = defineNode({ spec: kv, sideEffects: (params) => params.operation !== "get", run: async () => done(null) });
    expect(node.sideEffects({ operation: "get", key: "a", ttl: 60 })).toBe(false);
    expect(node.sideEffects({ operation: "set", key: "a", ttl: 60 })).toBe(true);
  });

  it("assumes a call has effects unless told otherwise", () => {
    const params = { operation: "get" as const, key: "a", ttl: 60 };
    expect(defineNode({ spec: kv, run: async () => done(null) }).sideEffects(params)).toBe(true);
    expect(defineNode({ spec: kv, sideEffects: false, run: async () => done(null) }).sideEffects(params)).toBe(false);
  });

  it("parses run-time params with the spec's defaults, and refuses what the save-time check would take as a template", () => {
    expect(kv.resolved.parse({ operation: "set", key: "a" })).toEqual({ operation: "set", key: "a", ttl: 60 });
    expect(kv.resolved.safeParse({ operation: "set", key: "a", ttl: "${input.ttl}" }).success).toBe(false);
    expect(kv.params.safeParse({ operation: "set", key: "a", ttl: "${input.ttl}" }).success).toBe(true);
  });
});
