import { TextCache } from "../lib/text-cache";
import { type PropertyPath, parsePath } from "./path";
import { scanTemplate } from "./scanner";

export interface CompiledExpression {
  source: string;
  /** Set when the expression is a plain property path that the host can look up itself. */
  path: PropertyPath | null;
}

/**
 * A parsed template string:
 * - `literal`: no expressions (escapes already applied);
 * - `typed`: exactly one expression and nothing else, whose value keeps its type;
 * - `interpolated`: text and expressions, joined into a string;
 * - `invalid`: the scanner rejected it (e.g. an unterminated `${`).
 */
export type CompiledTemplate =
  | { kind: "literal"; text: string }
  | { kind: "typed"; expr: CompiledExpression }
  | { kind: "interpolated"; parts: (string | CompiledExpression)[] }
  | { kind: "invalid"; message: string; offset: number };

// Flows are evaluated step after step with the same param strings: parse each once. The bounds keep
// a flood of distinct or huge strings from growing the cache without limit.
const cache = new TextCache<CompiledTemplate>(5000, 1_000_000, 50_000);

function compileUncached(text: string): CompiledTemplate {
  const scanned = scanTemplate(text);
  if (!scanned.ok) return { kind: "invalid", message: scanned.message, offset: scanned.offset };
  const parts = scanned.parts.map((part) => (part.type === "text" ? part.text : { source: part.source, path: parsePath(part.source) }));
  const only = parts[0];
  if (parts.length === 1 && typeof only === "object") return { kind: "typed", expr: only };
  if (parts.every((part) => typeof part === "string")) return { kind: "literal", text: parts.join("") };
  return { kind: "interpolated", parts };
}

/** Parse a template string, reusing an earlier parse of the same text. */
export function compileTemplate(text: string): CompiledTemplate {
  // A string without `${` is its own value; skip the scanner and the cache.
  if (!text.includes("${")) return { kind: "literal", text };
  return cache.get(text, () => compileUncached(text));
}
