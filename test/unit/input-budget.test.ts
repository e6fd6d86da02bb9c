/** The input budget module: its checks, and the docs that list its numbers. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkValue, INPUT_BUDGET, jsonBytes, jsonTooDeepAt, textProblem, utf8Bytes } from "../../src/input-budget";

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), "utf8");
/** Entries the flow language enforces are documented there; the rest with the API. */
const FLOW_ENTRIES = [
  "flowSourceBytes",
  "yamlTokens",
  "flowDepth",
  "yamlAliases",
  "yamlAnchors",
  "aliasExpansion",
  "nodes",
  "edges",
  "idLength",
  "flowKeyLength",
  "flowStringLength",
  "suggestionCells",
];

describe("docs list every budget entry with its number", () => {
  for (const [name, value] of Object.entries(INPUT_BUDGET)) {
    const file = FLOW_ENTRIES.includes(name) ? "flow-language.md" : "api.md";
    it(`${name} in docs/${file}`, () => {
      const limits = doc(file).slice(doc(file).search(/^(#+ |\*\*).*\b[Ll]imits\b/m));
      const row = limits.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `docs/${file} has no row for ${name}`).toBeDefined();
      expect(row).toContain(value.toLocaleString("en-US"));
    });
  }
});

describe("jsonTooDeepAt", () => {
  it("finds the first bracket past the depth, outside strings", () => {
    expect(jsonTooDeepAt("[[[1]]]", 3)).toBeUndefined();
    expect(jsonTooDeepAt("[[[[1]]]]", 3)).toBe(3);
    expect(jsonTooDeepAt('{"a": "[[[[[[", "b": [[1]]}', 3)).toBeUndefined();
    expect(jsonTooDeepAt('["\\"[[[[", [[[1]]]]', 3)).toBe(13);
    expect(jsonTooDeepAt("[]".repeat(1000) + "[[[]]]", 3)).toBeUndefined();
  });
});

describe("checkValue", () => {
  it("names the limit and the path of the first violation", () => {
    let deep: unknown = 1;
    for (let i = 0; i < INPUT_BUDGET.jsonDepth + 1; i++) deep = { a: deep };
    const violation = checkValue({ input: deep });
    expect(violation).toMatchObject({ limit: "jsonDepth", max: INPUT_BUDGET.jsonDepth });
    expect(violation?.path).toHaveLength(INPUT_BUDGET.jsonDepth);
    expect(checkValue({ ["k".repeat(INPUT_BUDGET.jsonKeyLength + 1)]: 1 })).toMatchObject({ limit: "jsonKeyLength" });
    expect(checkValue({ a: ["ok", "no\u0000"] })).toMatchObject({
      limit: "text",
      path: ["a", 1],
      message: "string contains the character U+0000 (NUL)",
    });
    expect(checkValue({ "\ud800": 1 })).toMatchObject({ limit: "text", path: ["\ud800"] });
  });

  it("accepts ordinary values at the limit, shared values and cycles", () => {
    let deep: unknown = 1;
    for (let i = 0; i < INPUT_BUDGET.jsonDepth; i++) deep = [deep];
    expect(checkValue(deep)).toBeUndefined();
    const shared = { x: 1 };
    expect(checkValue({ a: shared, b: shared, text: "é 😀" })).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkValue(cyclic)).toBeUndefined();
  });
});

describe("text and sizes", () => {
  it("tells text storage cannot keep", () => {
    expect(textProblem("fine 😀")).toBeUndefined();
    expect(textProblem("a\u0000")).toMatch(/NUL/);
    expect(textProblem("\udc00x")).toMatch(/surrogate/);
  });

  it("counts UTF-8 bytes as an encoder does", () => {
    for (const text of ["", "abc", "é", "€", "😀", "mixed é € 😀 text"]) {
      expect(utf8Bytes(text), JSON.stringify(text)).toBe(new TextEncoder().encode(text).length);
    }
    expect(jsonBytes({ a: "é" })).toBe(new TextEncoder().encode('{"a":"é"}').length);
    expect(jsonBytes(undefined)).toBeUndefined();
  });
});
