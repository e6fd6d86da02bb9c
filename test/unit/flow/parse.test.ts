/** What the YAML text itself can get wrong: yaml_syntax, too_large, and the limits that keep validation cheap. */
import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { MAX_SOURCE_BYTES } from "../../../src/flow/parse";
import { INPUT_BUDGET } from "../../../src/input-budget";
import { only, yaml } from "./helpers";

describe("yaml_syntax", () => {
  it("reports the parser's own position, and only the first of a cascade", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "nodes:", "  a: {type: delay", "  b: 1"));
    expect(result.valid).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: "yaml_syntax", line: 4, column: 3 });
  });

  it("rejects duplicate keys at the second occurrence", () => {
    const result = validateFlow(
      yaml("metadata: {name: x}", "nodes:", "  a: {type: delay, params: {duration: 1s}}", "  a: {type: delay, params: {duration: 2s}}"),
    );
    expect(result.errors).toEqual([{ code: "yaml_syntax", message: "duplicate key 'a'", path: [], line: 4, column: 3 }]);
  });

  it("rejects lists and mappings as keys", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "nodes:", "  ? [a, b]", "  : {type: delay}"));
    expect(only(result.errors, "yaml_syntax")).toMatchObject({
      message: "mapping keys must be plain scalars, not lists or mappings",
      line: 3,
      column: 5,
    });
  });

  it("rejects tabs used for indentation", () => {
    const result = validateFlow("metadata:\n\tname: x\n");
    expect(only(result.errors, "yaml_syntax")).toMatchObject({ line: 2, column: 1 });
  });

  it("rejects a second document", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "---", "nodes: {}"));
    expect(result.errors).toEqual([
      {
        code: "yaml_syntax",
        message: "a flow must be a single YAML document (found a second document after '---')",
        path: [],
        line: 2,
        column: 1,
      },
    ]);
  });

  it.each([
    ["", "the flow is empty: expected a mapping with metadata and nodes"],
    ["# only a comment\n", "the flow is empty: expected a mapping with metadata and nodes"],
    ["~", "the flow is empty: expected a mapping with metadata and nodes"],
    ["- a\n- b\n", "a flow must be a YAML mapping with metadata and nodes, got list"],
    ["just text", "a flow must be a YAML mapping with metadata and nodes, got string"],
    ["42", "a flow must be a YAML mapping with metadata and nodes, got number"],
  ])("rejects a top level that is not a mapping: %j", (source, message) => {
    const result = validateFlow(source);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([{ code: "yaml_syntax", message, path: [], line: 1, column: 1 }]);
  });

  it("rejects an alias to an anchor that does not exist, at the alias", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "nodes:", "  a: *missing"));
    expect(only(result.errors, "yaml_syntax")).toMatchObject({ line: 3, column: 6 });
    expect(result.errors[0]!.message).toMatch(/missing/);
  });

  it("stops an alias expansion bomb at the alias that crosses the budget", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const result = validateFlow(yaml(...lines));
    // d's tenth alias to c (111 values each) takes the expansion past 10,000 values.
    expect(result.errors).toEqual([
      {
        code: "limit_exceeded",
        limit: "aliasExpansion",
        message: "aliases expand to more than 10000 values",
        path: [],
        line: 4,
        column: expect.any(Number),
      },
    ]);
  });

  it("refuses deeply nested flow collections before parsing", () => {
    const result = validateFlow(`metadata: ${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    // The scan allows twice the real limit before it refuses unparsed (it over-counts).
    expect(result.errors).toEqual([
      expect.objectContaining({ code: "limit_exceeded", limit: "flowDepth", line: 1, column: 11 + INPUT_BUDGET.flowDepth * 2 }),
    ]);
  });

  it.each([
    ["block mappings", Array.from({ length: 700 }, (_, depth) => `${" ".repeat(depth)}a:`).join("\n")],
    ["compact sequences", `${"- ".repeat(100_000)}x`],
    ["explicit keys", `${"? ".repeat(100_000)}x`],
  ])("refuses deeply nested %s before parsing", (_kind, source) => {
    expect(validateFlow(source).errors).toEqual([expect.objectContaining({ code: "limit_exceeded", limit: "flowDepth" })]);
  });

  it("refuses nesting past the limit that the scan lets through, at the collection that crosses it", () => {
    // The root mapping and metadata are two levels; the 63rd bracket is the 65th.
    const depth = INPUT_BUDGET.flowDepth + 1;
    const result = validateFlow(
      `metadata: {name: x, deep: ${"[".repeat(depth)}${"]".repeat(depth)}}\nnodes:\n  a: {type: delay, params: {duration: 1s}}\n`,
    );
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: "limit_exceeded",
        limit: "flowDepth",
        message: "collections are nested more than 64 levels deep",
        line: 1,
        column: 27 + INPUT_BUDGET.flowDepth - 2,
      }),
    ]);
  });

  it("counts nesting through aliases", () => {
    const half = INPUT_BUDGET.flowDepth / 2 + 1;
    const nested = `${"[".repeat(half)}${"]".repeat(half)}`;
    const result = validateFlow(yaml("metadata: {name: x}", `a: &deep ${nested}`, `b: ${"[".repeat(half)}*deep${"]".repeat(half)}`));
    expect(only(result.errors, "limit_exceeded")).toMatchObject({ limit: "flowDepth", line: 3 });
  });

  it("passes unknown tags as warnings and uses the plain value", () => {
    const result = validateFlow(yaml("metadata: {name: !custom x}", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    expect(result.valid).toBe(true);
    expect(only(result.warnings, "yaml_warning")).toMatchObject({ line: 1, column: 18 });
    expect(result.flow?.metadata.name).toBe("x");
  });
});

describe("too_large", () => {
  it("rejects sources over the budget without parsing them", () => {
    const source = `metadata: {name: x}\n# ${"x".repeat(MAX_SOURCE_BYTES)}\n`;
    expect(validateFlow(source).errors).toEqual([
      {
        code: "too_large",
        limit: "flowSourceBytes",
        message: "flow source is 257 KiB; the limit is 256 KiB",
        path: [],
        line: 1,
        column: 1,
      },
    ]);
  });

  it("counts bytes, not characters", () => {
    // 100k three-byte characters: under the limit in characters, over it in UTF-8.
    const result = validateFlow(`# ${"€".repeat(100_000)}\n`);
    expect(result.errors.map((e) => e.code)).toEqual(["too_large"]);
  });
});

describe("YAML conveniences", () => {
  it("applies merge keys and reports positions where keys are written", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "defaults: &defaults",
        "  type: delay",
        "  retry: {max_retries: 2}",
        "nodes:",
        "  a:",
        "    <<: *defaults",
        "    params: {duration: 1s}",
      ),
    );
    // `defaults` is not a top-level key of the language, which is the error here...
    expect(result.errors.map((e) => [e.code, e.line, e.column])).toEqual([["unknown_key", 2, 1]]);
    const merged = validateFlow(
      yaml(
        "metadata: {name: x}",
        "nodes:",
        "  a: &base",
        "    type: delay",
        "    params: {duration: 1s}",
        "    next: {default: b}",
        "  b:",
        "    <<: *base",
        "    next: {}",
        "    retry: {max_retries: 1}",
      ),
    );
    // ...while anchors and merges inside nodes work.
    expect(merged.valid).toBe(true);
    expect(merged.flow?.nodes.b).toEqual({ type: "delay", params: { duration: "1s" }, next: {}, retry: { max_retries: 1 } });
  });

  it("never widens `version: 1.0` to 1", () => {
    const result = validateFlow(yaml("metadata: {name: x, version: 1.0}", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    expect(result.flow?.metadata.version).toBe("1.0");
    const other = validateFlow(yaml("metadata: {name: x, version: 1.10}", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    expect(other.flow?.metadata.version).toBe("1.10");
  });
});

describe("issue volume", () => {
  it("caps the list at 200 issues, the last one counting the rest", () => {
    const nodes = Array.from({ length: 300 }, (_, i) => `  n${i}: {type: nope, next: {default: n${i + 1}}}`);
    const result = validateFlow(yaml("metadata: {name: x}", "nodes:", ...nodes));
    expect(result.errors).toHaveLength(200);
    expect(result.errors[198]).toMatchObject({ code: "unknown_node_type", line: 201 });
    // 300 unknown types + 1 dangling edge (n300); 199 shown.
    expect(result.errors[199]).toMatchObject({ code: "too_many_issues", message: "102 more errors not shown", line: 202 });
  });
});
