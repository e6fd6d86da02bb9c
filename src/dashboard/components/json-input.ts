/**
 * Reading JSON typed by a person: the value, or why it is not JSON and where. Engines do not always say
 * where (V8: `Unexpected token '}', "{"a":}" is not valid JSON`), so a small scanner finds the place.
 * Pure (no DOM), and tested on its own.
 */

export type JsonInput = { ok: true; value: unknown } | { ok: false; message: string; line: number; column: number };

/** Parses `text`; blank text is `fallback`. */
export function readJsonInput(text: string, fallback: unknown = {}): JsonInput {
  if (text.trim() === "") return { ok: true, value: fallback };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: cleanMessage(message), ...lineAndColumn(text, syntaxErrorOffset(text) ?? text.length) };
  }
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length)).split(/\r\n|\n|\r/);
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The engine's message without the place or the quoted text, which are shown their own way. */
function cleanMessage(message: string): string {
  return message
    .replace(/^JSON\.parse: /, "")
    .replace(/, ".*" is not valid JSON$/s, "")
    .replace(/ (in JSON )?at position \d+( \(line \d+ column \d+\))?/i, "")
    .replace(/ at line \d+ column \d+ of the JSON data/i, "");
}

class Stop {
  constructor(readonly offset: number) {}
}

/** Where the first character that cannot continue valid JSON is; null when `text` is valid JSON. */
export function syntaxErrorOffset(text: string): number | null {
  let i = 0;
  const space = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) throw new Stop(i);
    i++;
  };
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const char = text.charCodeAt(i);
      if (char < 0x20) throw new Stop(i);
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) throw new Stop(i + k);
          i += 5;
        } else if (i < text.length && '"\\/bfnrt'.includes(text[i]!)) i++;
        else throw new Stop(i);
      } else i++;
    }
    expect('"');
  };
  const digits = () => {
    const from = i;
    while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
    if (i === from) throw new Stop(i);
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === "{") {
      i++;
      space();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        expect(":");
        value();
        space();
        if (text[i] === ",") i++;
        else return expect("}");
      }
    }
    if (char === "[") {
      i++;
      space();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ",") i++;
        else return expect("]");
      }
    }
    if (char === '"') return string();
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    // Inside a misspelt literal, point at the first letter that differs.
    for (const word of ["true", "false", "null"]) {
      if (char === word[0]) {
        let k = 0;
        while (text[i + k] === word[k]) k++;
        throw new Stop(i + k);
      }
    }
    throw new Stop(i);
  };
  try {
    value();
    space();
    return i < text.length ? i : null;
  } catch (stop) {
    if (stop instanceof Stop) return stop.offset;
    throw stop;
  }
}
