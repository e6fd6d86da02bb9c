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

// Flows are evaluated step after step with the same param strings: parse each once. The bound keeps
// a flood of distinct strings (e.g. generated keys) from growing the cache without limit.
const CACHE_LIMIT = 5000;
const cache = new Map<string, CompiledTemplate>();

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
  let compiled = cache.get(text);
  if (compiled) return compiled;
  // A string without `${` is its own value; skip the scanner and the cache.
  if (!text.includes("${")) return { kind: "literal", text };
  compiled = compileUncached(text);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(text, compiled);
  return compiled;
}
