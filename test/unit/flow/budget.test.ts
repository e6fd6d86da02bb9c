/**
 * The input budget as the flow language enforces it: each limit refuses the
 * document with `limit_exceeded`, names the budget entry, and points at the
 * place that crossed it. (How long the worst cases within the budget take is
 * measured by `npm run bench`, not here.)
 */
import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import type { FlowIssue } from "../../../src/flow";
import { INPUT_BUDGET } from "../../../src/input-budget";
import { only, yaml } from "./helpers";

const delay = "{type: delay, params: {duration: 1s}}";
const lines = (count: number, line: (i: number) => string) => Array.from({ length: count }, (_, i) => line(i));

function limitError(source: string): FlowIssue {
  const result = validateFlow(source);
  expect(result.valid).toBe(false);
  return only(result.errors, "limit_exceeded");
}

describe("anchors and aliases", () => {
  it("refuses an anchor that refers to itself, at the alias", () => {
    const result = validateFlow(yaml("metadata: &m {name: fz, me: *m}", "nodes:", `  a: ${delay}`));
    expect(result.errors).toEqual([
      {
        code: "yaml_syntax",
        message: "alias '*m' is inside the value it refers to (a value that contains itself)",
        path: [],
        line: 1,
        column: 29,
      },
    ]);
  });

  it("refuses a cycle through a nested anchor", () => {
    const result = validateFlow(
      yaml("metadata: {name: x}", "nodes:", "  a: &outer", "    type: delay", "    params: {duration: 1s, again: [*outer]}"),
    );
    expect(only(result.errors, "yaml_syntax")).toMatchObject({ line: 5, column: 36 });
  });

  it("refuses the alias past the alias budget (one anchor aliased 5,000 times)", () => {
    const source = yaml("x: &a 1", ...lines(5_000, (i) => `k${i}: *a`));
    expect(limitError(source)).toMatchObject({ limit: "yamlAliases", line: INPUT_BUDGET.yamlAliases + 2, column: 8 });
  });

  it("refuses the anchor past the anchor budget", () => {
    const source = yaml(...lines(INPUT_BUDGET.yamlAnchors + 1, (i) => `k${i}: &a${i} 1`));
    expect(limitError(source)).toMatchObject({ limit: "yamlAnchors", line: INPUT_BUDGET.yamlAnchors + 1 });
  });

  it("still resolves ordinary anchors, merges and the latest anchor of a name", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "nodes:",
        "  a: &node {type: delay, params: &p {duration: 1s}, next: {default: b}}",
        "  b: {type: delay, params: *p, next: {default: c}}",
        "  c: {<<: *node, next: {default: d}}",
        "  d: &p {type: delay, params: {duration: 2s}}",
      ),
    );
    // The flow is valid, and *p before d's anchor of the same name meant a's params.
    expect(result.errors).toEqual([]);
    expect(result.flow?.nodes.b?.params).toEqual({ duration: "1s" });
    expect(result.flow?.nodes.c).toMatchObject({ type: "delay", params: { duration: "1s" }, next: { default: ["d"] } });
  });
});

describe("size of the graph", () => {
  it("refuses more nodes than the budget before checking any of them", () => {
    const source = yaml("metadata: {name: x}", "nodes:", ...lines(INPUT_BUDGET.nodes + 1, (i) => `  n${i}: {type: nope}`));
    const result = validateFlow(source);
    // No unknown_node_type for each of them: the node checks never ran.
    expect(result.errors).toEqual([
      {
        code: "limit_exceeded",
        limit: "nodes",
        message: `the flow has ${INPUT_BUDGET.nodes + 1} nodes; the limit is ${INPUT_BUDGET.nodes}`,
        path: ["nodes"],
        line: 2,
        column: 1,
      },
    ]);
  });

  it("refuses more edges than the budget", () => {
    const targets = Array.from({ length: 10 }, (_, i) => `n${i}`).join(", ");
    const nodes = lines(
      INPUT_BUDGET.edges / 10 + 1,
      (i) => `  n${i}: {type: delay, params: {duration: 1s}, next: {default: [${targets}]}}`,
    );
    expect(limitError(yaml("metadata: {name: x}", "nodes:", ...nodes))).toMatchObject({
      limit: "edges",
      path: ["nodes", `n${INPUT_BUDGET.edges / 10}`, "next"],
    });
  });

  it("refuses node ids, edge targets and start longer than the id budget", () => {
    const long = "n".repeat(INPUT_BUDGET.idLength + 1);
    expect(limitError(yaml("metadata: {name: x}", "nodes:", `  ${long}: ${delay}`))).toMatchObject({
      limit: "idLength",
      line: 3,
      column: 3,
    });
    expect(
      limitError(yaml("metadata: {name: x}", "nodes:", `  a: {type: delay, params: {duration: 1s}, next: {default: ${long}}}`)),
    ).toMatchObject({
      limit: "idLength",
      path: ["nodes", "a", "next", "default"],
    });
    expect(limitError(yaml("metadata: {name: x}", `start: ${long}`, "nodes:", `  a: ${delay}`))).toMatchObject({
      limit: "idLength",
      path: ["start"],
    });
  });

  it("refuses keys and strings over the budget, and text storage cannot keep", () => {
    const key = "k".repeat(INPUT_BUDGET.flowKeyLength + 1);
    expect(limitError(yaml("metadata: {name: x}", "nodes:", `  a: {type: delay, params: {duration: 1s, ${key}: 1}}`))).toMatchObject({
      limit: "flowKeyLength",
      line: 3,
    });
    const script = "x".repeat(INPUT_BUDGET.flowStringLength + 1);
    expect(limitError(yaml("metadata: {name: x}", "nodes:", `  a: {type: transform, params: {script: "${script}"}}`))).toMatchObject({
      limit: "flowStringLength",
      line: 3,
      column: 41,
    });
    expect(limitError(yaml('metadata: {name: "a\\0b"}', "nodes:", `  a: ${delay}`))).toMatchObject({
      limit: "text",
      message: "string contains the character U+0000 (NUL)",
    });
    expect(limitError(yaml('metadata: {name: "a\\ud800b"}', "nodes:", `  a: ${delay}`))).toMatchObject({
      limit: "text",
      line: 1,
      column: 18,
    });
  });

  it("refuses characters YAML does not allow where they stand", () => {
    for (const character of ["\u0000", "\u0007", "\u007f", "\ud800", "\uffff"]) {
      const result = validateFlow(yaml(`metadata: {name: a${character}b}`, "nodes:", `  a: ${delay}`));
      expect(only(result.errors, "yaml_syntax"), JSON.stringify(character)).toMatchObject({ line: 1, column: 19 });
    }
    // Tabs, CR LF line ends, non-ASCII and astral characters are fine.
    expect(validateFlow(`metadata: {name: "é 😀\tx"}\r\nnodes:\r\n  a: ${delay}\r\n`).valid).toBe(true);
  });

  it("stops parsing past the token budget", () => {
    const nodes = lines(10_000, (i) => `  n${i}: {type: delay}`);
    expect(limitError(yaml("metadata: {name: x}", "nodes:", ...nodes))).toMatchObject({ limit: "yamlTokens", line: 1, column: 1 });
  });
});

describe("did-you-mean hints", () => {
  it("offers a hint for a mistyped node id", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "nodes:",
        `  fetch_orders: {type: delay, params: {duration: 1s}, next: {default: sotre}}`,
        `  store: ${delay}`,
      ),
    );
    expect(only(result.errors, "dangling_edge").message).toMatch(/did you mean 'store'\?/);
  });

  it("stops looking for hints once the budget is spent, and still reports every bad reference", () => {
    // 400 edges to missing ids that each resemble every one of 400 long ids.
    const id = (i: number) => `${"n".repeat(55)}${i}`;
    const nodes = lines(400, (i) => `  ${id(i)}: {type: delay, params: {duration: 1s}, next: {default: ${"n".repeat(54)}x${i}}}`);
    const result = validateFlow(yaml("metadata: {name: x}", "nodes:", ...nodes));
    const dangling = result.errors.filter((e) => e.code === "dangling_edge");
    expect(dangling.length).toBe(199);
    const hinted = dangling.filter((e) => e.message.includes("did you mean"));
    expect(hinted.length).toBeGreaterThan(0);
    expect(hinted.length).toBeLessThan(dangling.length);
    // Hints are given in order until the budget runs out.
    expect(dangling.slice(0, hinted.length)).toEqual(hinted);
  });

  it("gives no hint for names too long to be a typo", () => {
    const long = "a".repeat(100);
    const result = validateFlow(
      yaml("metadata: {name: x}", "nodes:", `  ${long}b: {type: delay, params: {duration: 1s}, next: {default: ${long}c}}`),
    );
    expect(only(result.errors, "dangling_edge").message).not.toMatch(/did you mean/);
  });
});
