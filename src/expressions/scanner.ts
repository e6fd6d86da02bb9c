import { lex } from "./lexer";

export type TemplatePart = { type: "text"; text: string } | { type: "expr"; source: string; offset: number };

export type ScanResult = { ok: true; parts: TemplatePart[] } | { ok: false; message: string; offset: number };

/**
 * Split a string into literal text and `${...}` expressions. `$${` is an escape for a literal `${`.
 * The end of an expression is found by tokenizing it, so `}` inside strings, template literals,
 * comments, regular expressions and nested object literals does not end it early. Never throws.
 */
export function scanTemplate(text: string): ScanResult {
  const parts: TemplatePart[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("${", i);
    if (open < 0) break;
    if (open > i && text[open - 1] === "$") {
      // `$${` → literal `${`; the `$` before it is consumed by the escape.
      literal += text.slice(i, open - 1) + "${";
      i = open + 2;
      continue;
    }
    literal += text.slice(i, open);
    const lexed = lex(text, open + 2, true);
    if (!lexed.ok) return { ok: false, message: lexed.message, offset: lexed.offset };
    const source = text.slice(open + 2, lexed.end);
    if (source.trim() === "") return { ok: false, message: "empty ${} expression", offset: open };
    if (literal) parts.push({ type: "text", text: literal });
    literal = "";
    parts.push({ type: "expr", source, offset: open + 2 });
    i = lexed.end + 1;
  }
  literal += text.slice(i);
  if (literal) parts.push({ type: "text", text: literal });
  return { ok: true, parts };
}

/** The template text that evaluates to exactly `text`: every `${` becomes `$${`. */
export function escapeTemplate(text: string): string {
  // A replacer function, because in a replacement string "$$" means a single "$".
  return text.replaceAll("${", () => "$${");
}
