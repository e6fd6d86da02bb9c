/**
 * A small JavaScript tokenizer: enough to find where a `${...}` expression ends (braces inside
 * strings, template literals, comments and regular expressions do not count) and to spot how code
 * reaches `secrets`. It does not validate JavaScript; QuickJS does that when the code runs.
 */
export type TokenType = "ident" | "punct" | "string" | "template" | "number" | "regex";

export interface Token {
  type: TokenType;
  /** Source text of the token (for strings and templates, without the quotes). */
  value: string;
  start: number;
  /** Decoded value of a string, or of a template with no substitutions, when its escapes are simple. */
  cooked?: string;
}

export type LexResult = { ok: true; tokens: Token[]; end: number } | { ok: false; message: string; offset: number };

// After these, a `/` starts a regular expression rather than a division.
const KEYWORDS_BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);
const IDENT = /[A-Za-z_$#\u00a0-\uffff][\w$\u00a0-\uffff]*/y;
const NUMBER = /(?:0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)n?/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "0": "\0" };

/** Decode the escapes of a string body; undefined when an escape is one we do not decode. */
export function cook(raw: string): string | undefined {
  if (!raw.includes("\\")) return raw;
  let failed = false;
  const text = raw.replace(
    /\\(u\{([\da-fA-F]+)\}|u([\da-fA-F]{4})|x([\da-fA-F]{2})|\r\n|[\s\S])/g,
    (_all, esc: string, braced?: string, u4?: string, x2?: string) => {
      const hex = braced ?? u4 ?? x2;
      if (hex !== undefined) {
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) failed = true;
        return failed ? "" : String.fromCodePoint(code);
      }
      if (esc === "\n" || esc === "\r\n" || esc === "\r" || esc === "\u2028" || esc === "\u2029") return "";
      if (/[1-9]/.test(esc)) failed = true;
      return SIMPLE_ESCAPES[esc] ?? esc;
    },
  );
  return failed ? undefined : text;
}

function identAt(src: string, i: number): boolean {
  IDENT.lastIndex = i;
  return IDENT.test(src);
}

function regexAllowed(previous: Token | undefined): boolean {
  if (!previous) return true;
  if (previous.type === "ident") return KEYWORDS_BEFORE_EXPRESSION.has(previous.value);
  if (previous.type === "punct") return !")]}".includes(previous.value);
  return false;
}

/**
 * Tokenize `src` from `start`. With `stopAtBrace`, lexing ends at the first `}` that closes nothing
 * (the end of a `${...}` expression) and `end` is its index; without it, at the end of the text.
 */
export function lex(src: string, start: number, stopAtBrace: boolean): LexResult {
  const tokens: Token[] = [];
  const templates: number[] = []; // brace depth at which each open `${` substitution started
  let depth = 0;
  let i = start;
  const fail = (message: string, offset: number): LexResult => ({ ok: false, message, offset });

  // Scans template text from i (just after ` or a closing `}`); returns false when unterminated.
  const templateText = (tokenStart: number, whole: boolean): boolean => {
    let j = i;
    while (j < src.length) {
      const c = src[j];
      if (c === "\\") j += 2;
      else if (c === "`") {
        const raw = src.slice(i, j);
        tokens.push({ type: "template", value: raw, start: tokenStart, cooked: whole ? cook(raw) : undefined });
        i = j + 1;
        return true;
      } else if (c === "$" && src[j + 1] === "{") {
        tokens.push({ type: "template", value: src.slice(i, j), start: tokenStart });
        templates.push(depth);
        i = j + 2;
        return true;
      } else j++;
    }
    return false;
  };

  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && next === "/") {
      const newline = src.slice(i).search(/[\n\r\u2028\u2029]/);
      i = newline < 0 ? src.length : i + newline;
    } else if (c === "/" && next === "*") {
      const close = src.indexOf("*/", i + 2);
      if (close < 0) return fail("unterminated comment", i);
      i = close + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      if (src[j] !== c) return fail("unterminated string", i);
      const raw = src.slice(i + 1, j);
      tokens.push({ type: "string", value: raw, start: i, cooked: cook(raw) });
      i = j + 1;
    } else if (c === "`") {
      const tokenStart = i;
      i++;
      if (!templateText(tokenStart, true)) return fail("unterminated template literal", tokenStart);
    } else if (c === "}" && templates.length > 0 && templates[templates.length - 1] === depth) {
      templates.pop();
      const tokenStart = i;
      i++;
      if (!templateText(tokenStart, false)) return fail("unterminated template literal", tokenStart);
    } else if (c === "}" && depth === 0 && stopAtBrace) {
      return { ok: true, tokens, end: i };
    } else if (c === "/" && regexAllowed(tokens[tokens.length - 1])) {
      let j = i + 1;
      let inClass = false;
      for (; j < src.length && src[j] !== "\n"; j++) {
        const d = src[j];
        if (d === "\\") j++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
      }
      if (src[j] !== "/") return fail("unterminated regular expression", i);
      j++;
      while (j < src.length && /[a-z]/i.test(src[j]!)) j++;
      tokens.push({ type: "regex", value: src.slice(i, j), start: i });
      i = j;
    } else if (/\d/.test(c) || (c === "." && next !== undefined && /\d/.test(next))) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(src);
      const end = match ? i + match[0].length : i + 1;
      tokens.push({ type: "number", value: src.slice(i, end), start: i });
      i = end;
    } else if (identAt(src, i)) {
      tokens.push({ type: "ident", value: src.slice(i, IDENT.lastIndex), start: i });
      i = IDENT.lastIndex;
    } else {
      // `?.` is one token unless it is `? .5` (a conditional followed by a number).
      const optional = c === "?" && next === "." && !/\d/.test(src[i + 2] ?? "");
      const value = optional ? "?." : c;
      if (c === "{") depth++;
      if (c === "}") depth--;
      tokens.push({ type: "punct", value, start: i });
      i += value.length;
    }
  }
  if (templates.length > 0) return fail("unterminated template literal", src.length);
  if (stopAtBrace) return fail("unterminated ${ expression: missing }", start);
  return { ok: true, tokens, end: src.length };
}
