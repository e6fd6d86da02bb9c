import type { ValidateOptions, ValidationResult } from "./types";
import { validateFlow } from "./validate";

/**
 * Stored flows are validated again each time they run, and parsing the YAML is
 * most of a small run's fixed cost. Validation is a pure function of the text
 * and the name, so results are kept per (name, text) in the isolate, least
 * recently used first out, bounded by count and by the text they hold.
 */
const MAX_ENTRIES = 256;
const MAX_SOURCE_CHARS = 8_000_000;

const results = new Map<string, ValidationResult>();
let heldChars = 0;

/**
 * `validateFlow` for sources that repeat (a stored flow's versions). The result
 * is frozen: it is shared by every caller that validates the same text.
 */
export function validateFlowMemo(source: string, options: ValidateOptions = {}): ValidationResult {
  const key = `${options.name ?? ""}\u0000${options.nodeTypes?.key ?? ""}\u0000${options.unknownPluginTypes ?? ""}\u0000${source}`;
  const hit = results.get(key);
  if (hit) {
    results.delete(key);
    results.set(key, hit);
    return hit;
  }
  const result = deepFreeze(validateFlow(source, options));
  if (key.length > MAX_SOURCE_CHARS) return result;
  results.set(key, result);
  heldChars += key.length;
  for (const [oldest] of results) {
    if (results.size <= MAX_ENTRIES && heldChars <= MAX_SOURCE_CHARS) break;
    results.delete(oldest);
    heldChars -= oldest.length;
  }
  return result;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
