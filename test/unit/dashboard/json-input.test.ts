import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readJsonInput, syntaxErrorOffset } from "../../../src/dashboard/components/json-input";

describe("readJsonInput", () => {
  it("reads JSON, and blank text as the fallback", () => {
    expect(readJsonInput('{"a": [1, 2.5e3, "x", true, null]}')).toEqual({ ok: true, value: { a: [1, 2500, "x", true, null] } });
    expect(readJsonInput("  \n")).toEqual({ ok: true, value: {} });
    expect(readJsonInput("", null)).toEqual({ ok: true, value: null });
  });

  it("says on which line and column the text stops being JSON", () => {
    expect(readJsonInput('{\n  "a": 1,\n  "b": }')).toMatchObject({ ok: false, line: 3, column: 8 });
    expect(readJsonInput("{a: 1}")).toMatchObject({ ok: false, line: 1, column: 2 });
    expect(readJsonInput('{"a": tru}')).toMatchObject({ ok: false, line: 1, column: 10 });
    expect(readJsonInput('{"a": 1')).toMatchObject({ ok: false, line: 1, column: 8 });
    expect(readJsonInput('{"a": 1,}')).toMatchObject({ ok: false, line: 1, column: 9 });
    expect(readJsonInput("[1 2]")).toMatchObject({ ok: false, line: 1, column: 4 });
    expect(readJsonInput('"abc')).toMatchObject({ ok: false, line: 1, column: 5 });
    expect(readJsonInput("{} x")).toMatchObject({ ok: false, line: 1, column: 4 });
  });

  it("keeps the engine's reason, without the quoted text", () => {
    const read = readJsonInput('{"a": }');
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.message).toMatch(/unexpected token/i);
      expect(read.message).not.toContain("is not valid JSON");
    }
  });
});

describe("syntaxErrorOffset", () => {
  it("agrees with JSON.parse on what is JSON", () => {
    const almostJson = fc.oneof(
      fc.json(),
      fc
        .tuple(fc.json(), fc.nat(), fc.constantFrom("", "}", "]", ",", ":", '"', "x", "-", ".", "\\", "tru", "01"))
        .map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1))),
    );
    fc.assert(
      fc.property(almostJson, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        if (text.trim() === "") return;
        expect(syntaxErrorOffset(text) === null).toBe(valid);
      }),
      { numRuns: 500 },
    );
  });
});
