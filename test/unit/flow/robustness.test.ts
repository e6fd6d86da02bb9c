/** validateFlow must return a result, never throw, whatever it is given. */
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { NODE_TYPES, validateFlow } from "../../../src/flow";
import type { ValidationResult } from "../../../src/flow";
import { hostileYaml } from "../../helpers/hostile";

function wellFormed(result: ValidationResult): void {
  expect(typeof result.valid).toBe("boolean");
  expect(result.valid).toBe(result.errors.length === 0);
  expect(result.valid).toBe(result.flow !== undefined);
  for (const issue of [...result.errors, ...result.warnings]) {
    expect(typeof issue.code).toBe("string");
    expect(issue.message.length).toBeGreaterThan(0);
    expect(Number.isInteger(issue.line) && issue.line >= 1).toBe(true);
    expect(Number.isInteger(issue.column) && issue.column >= 1).toBe(true);
  }
  // A bug surfaces as internal_error rather than a throw; none should be reachable.
  expect(result.errors.map((e) => e.code)).not.toContain("internal_error");
  if (!result.flow) return;
  // Whatever went in, a valid flow is one the engine can run without re-checking.
  const { nodes, start, metadata } = result.flow;
  expect(metadata.name.trim()).not.toBe("");
  expect(nodes[start]).toBeDefined();
  for (const node of Object.values(nodes)) {
    expect(NODE_TYPES).toContain(node.type);
    expect(typeof node.params).toBe("object");
    for (const targets of Object.values(node.next)) {
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(nodes[target]).toBeDefined();
    }
  }
}

const yamlish = fc
  .array(
    fc.constantFrom(
      ...[
        "\n",
        "  ",
        " ",
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a",
        "*a",
        "<<",
        "!",
        "#",
        "'",
        '"',
        "|",
        ">",
        "---",
        "nodes",
        "metadata",
        "type",
        "next",
        "a",
        "1",
        "${x}",
        "\t",
        "?",
      ],
    ),
    { maxLength: 200 },
  )
  .map((tokens) => tokens.join(""));

const nodeLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...NODE_TYPES), fc.string(), fc.integer()),
    params: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })), fc.jsonValue({ maxDepth: 2 })),
    next: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.constantFrom("a", "b", "c"), fc.array(fc.constantFrom("a", "b", "zz")))),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    retry: fc.jsonValue({ maxDepth: 2 }),
    batch: fc.jsonValue({ maxDepth: 2 }),
    hooks: fc.jsonValue({ maxDepth: 2 }),
    timeout: fc.oneof(fc.string(), fc.double(), fc.constant("5s")),
  },
  { requiredKeys: [] },
);

const flowLike = fc.record(
  {
    metadata: fc.oneof(
      fc.record({ name: fc.oneof(fc.string(), fc.integer()), version: fc.oneof(fc.string(), fc.double()) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    start: fc.oneof(fc.constantFrom("a", "b", "zz"), fc.jsonValue({ maxDepth: 1 })),
    nodes: fc.oneof(
      fc.dictionary(fc.constantFrom("a", "b", "c", "", "1"), fc.oneof(nodeLike, fc.jsonValue({ maxDepth: 1 }))),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    timeout: fc.jsonValue({ maxDepth: 1 }),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

describe("validateFlow never throws", () => {
  it("for arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (source) => wellFormed(validateFlow(source))),
      { numRuns: 500 },
    );
  });

  it("for YAML-looking noise", () => {
    fc.assert(
      fc.property(yamlish, (source) => wellFormed(validateFlow(source))),
      { numRuns: 1000 },
    );
  });

  it("for arbitrary flow-shaped documents", () => {
    fc.assert(
      fc.property(flowLike, (doc) => wellFormed(validateFlow(stringify(doc)))),
      { numRuns: 500 },
    );
  });

  it("for mutations of a valid flow", () => {
    const delay = { type: "delay", params: { duration: "1s" } };
    const valid = { metadata: { name: "x" }, nodes: { a: { ...delay, next: { default: "b" } }, b: delay } };
    const mutation = fc.record({
      path: fc.constantFrom(
        ["metadata"],
        ["metadata", "name"],
        ["nodes", "a"],
        ["nodes", "a", "next"],
        ["nodes", "a", "next", "default"],
        ["nodes", "b", "params"],
        ["nodes", "b", "params", "duration"],
        ["start"],
        ["nodes", "a", "retry"],
        ["nodes", "b", "batch"],
      ),
      value: fc.jsonValue({ maxDepth: 2 }),
    });
    let stillValid = 0;
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), (mutations) => {
        const doc = structuredClone(valid) as Record<string, unknown>;
        for (const { path, value } of mutations) {
          let target = doc;
          for (const key of path.slice(0, -1)) {
            const next = target[key];
            if (typeof next !== "object" || next === null) return;
            target = next as Record<string, unknown>;
          }
          target[path[path.length - 1]!] = value;
        }
        const result = validateFlow(stringify(doc));
        wellFormed(result);
        if (result.valid) stillValid++;
      }),
      { numRuns: 500 },
    );
    // The property must also have exercised the valid path, not only rejections.
    expect(stillValid).toBeGreaterThan(0);
  });

  it("for arbitrary JSON values as the whole document", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => wellFormed(validateFlow(JSON.stringify(value) ?? "null"))),
      { numRuns: 300 },
    );
  });

  it("for hostile documents (alias floods, laughs, cycles, deep, wide and long), within the budget or refused by it", () => {
    let refused = 0;
    fc.assert(
      fc.property(hostileYaml, (source) => {
        const result = validateFlow(source);
        wellFormed(result);
        if (result.errors.some((e) => e.code === "limit_exceeded" || e.code === "too_large")) refused++;
        // A valid flow is one that can be stored and read back as JSON.
        if (result.flow) expect(JSON.parse(JSON.stringify(result.flow))).toEqual(result.flow);
      }),
      { seed: 20261201, numRuns: 500 },
    );
    expect(refused).toBeGreaterThan(0);
  });

  it("for inputs that are not strings at all (JavaScript callers)", () => {
    for (const value of [undefined, null, 42, {}, ["a"]]) {
      const result = validateFlow(value as unknown as string);
      expect(result.errors).toEqual([
        expect.objectContaining({ code: "yaml_syntax", message: expect.stringMatching(/^flow source must be a string, got /) }),
      ]);
    }
  });
});

describe("names shared with Object.prototype", () => {
  it("treats an action called valueOf or constructor as an ordinary action", () => {
    for (const action of ["valueOf", "constructor", "toString", "__proto__"]) {
      const result = validateFlow(
        `metadata: {name: x}\nnodes:\n  a: {type: transform, params: {script: "return 1"}, next: {${action}: b}}\n  b: {type: transform, params: {script: "return 2"}}\n`,
      );
      expect(
        result.errors.map((e) => e.code),
        action,
      ).not.toContain("internal_error");
    }
  });
});
