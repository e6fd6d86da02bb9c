import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeTemplate, scanTemplate, type TemplatePart } from "../../../src/expressions";

function parts(text: string): TemplatePart[] {
  const scanned = scanTemplate(text);
  if (!scanned.ok) throw new Error(`${scanned.message} at ${scanned.offset}`);
  return scanned.parts;
}

const exprs = (text: string) => parts(text).flatMap((p) => (p.type === "expr" ? [p.source] : []));

describe("scanTemplate", () => {
  it("splits text and expressions", () => {
    expect(parts("Bearer ${secrets.API_KEY}")).toEqual([
      { type: "text", text: "Bearer " },
      { type: "expr", source: "secrets.API_KEY", offset: 9 },
    ]);
    expect(parts("${input.n}")).toEqual([{ type: "expr", source: "input.n", offset: 2 }]);
    expect(parts("/users/${input.id}/posts/${input.post}?q=1")).toHaveLength(5);
    expect(parts("no expressions $ { } here")).toEqual([{ type: "text", text: "no expressions $ { } here" }]);
    expect(parts("")).toEqual([]);
  });

  it.each([
    ["${ {a: 1}.a }", " {a: 1}.a "],
    ["${ ({ a: { b: 2 } }).a.b }", " ({ a: { b: 2 } }).a.b "],
    ['${ "}" + input.x }', ' "}" + input.x '],
    ["${ '}' }", " '}' "],
    ["${ `}${input.a}}` }", " `}${input.a}}` "],
    ["${ `${ `${1}` }` }", " `${ `${1}` }` "],
    ["${ input.s.replace(/}/g, '') }", " input.s.replace(/}/g, '') "],
    ["${ input.s.replace(/[}]/g, '') }", " input.s.replace(/[}]/g, '') "],
    ["${ a /* } */ + b }", " a /* } */ + b "],
    ["${ a // }\n + b }", " a // }\n + b "],
    ["${ x => { return { y: 1 } } }", " x => { return { y: 1 } } "],
    ["${ a / b / c }", " a / b / c "],
    ['${ "\\"}" }', ' "\\"}" '],
  ])("finds the end of %j", (template, source) => {
    expect(exprs(template)).toEqual([source]);
  });

  it("handles several expressions and braces around them", () => {
    expect(exprs("{${a}}{${ {b:1} }}")).toEqual(["a", " {b:1} "]);
    expect(parts("{${a}}")).toEqual([
      { type: "text", text: "{" },
      { type: "expr", source: "a", offset: 3 },
      { type: "text", text: "}" },
    ]);
  });

  it("treats $${ as a literal ${", () => {
    expect(parts("cost: $${input.n}")).toEqual([{ type: "text", text: "cost: ${input.n}" }]);
    expect(parts("$${")).toEqual([{ type: "text", text: "${" }]);
    expect(parts("$$${x}")).toEqual([{ type: "text", text: "$${x}" }]);
    expect(parts("$${a}${b}")).toEqual([
      { type: "text", text: "${a}" },
      { type: "expr", source: "b", offset: 7 },
    ]);
  });

  it.each([
    ["${", "unterminated ${ expression: missing }"],
    ["${ a ", "unterminated ${ expression: missing }"],
    ["x ${}", "empty ${} expression"],
    ["${   }", "empty ${} expression"],
    ["${ 'abc }", "unterminated string"],
    ["${ `abc }", "unterminated template literal"],
    ["${ /* }", "unterminated comment"],
  ])("rejects %j", (template, message) => {
    expect(scanTemplate(template)).toMatchObject({ ok: false, message });
  });

  it("never throws, whatever the input", () => {
    const pieces = fc.constantFrom(
      "${",
      "$${",
      "}",
      "{",
      "`",
      "'",
      '"',
      "/",
      "*",
      "//",
      "\\",
      "\n",
      "a",
      " ",
      "$",
      "[",
      "]",
      "(",
      ")",
      "x.y",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((a) => a.join("")),
        ),
        (text) => {
          const scanned = scanTemplate(text);
          expect(typeof scanned.ok).toBe("boolean");
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("escaping round-trips: an escaped string scans to itself, with no expressions", () => {
    const pieces = fc.constantFrom("${", "$", "{", "}", "$${", "a", "`", "\\");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((a) => a.join("")),
        ),
        (text) => {
          const scanned = scanTemplate(escapeTemplate(text));
          expect(scanned.ok).toBe(true);
          if (!scanned.ok) return;
          expect(scanned.parts.every((p) => p.type === "text")).toBe(true);
          expect(scanned.parts.map((p) => (p.type === "text" ? p.text : "")).join("")).toBe(text);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("an expression's source scans back out of a template unchanged", () => {
    // Any JavaScript expression text without an unbalanced `}` survives being embedded.
    const atoms = fc.constantFrom("a", "b.c", "'}'", '"{"', "`x${1}y`", "({k: 1})", "/}/g", "[1, {}]", "1 / 2", "f(x, {y})");
    const exprArb = fc.array(atoms, { minLength: 1, maxLength: 4 }).map((a) => a.join(" + "));
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("$")),
        exprArb,
        (prefix, expr) => {
          expect(exprs(`${escapeTemplate(prefix)}\${${expr}}`)).toEqual([expr]);
        },
      ),
    );
  });
});
