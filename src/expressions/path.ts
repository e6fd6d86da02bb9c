import type { JsonValue } from "../lib/json";

/**
 * The fast path: an expression that is only a property path (`input.items[0].id`,
 * `results.fetch.body["x-y"]`, `input?.a`) is looked up on the host, without QuickJS. The lookup
 * must give what the sandbox would give; whenever it cannot be sure (a missing root, a property of
 * null, a name that exists on a built-in prototype) it reports `fallback` and the sandbox decides.
 */
export interface PathStep {
  key: string | number;
  /** Reached with `?.`: a null or undefined base ends the whole chain with undefined. */
  optional: boolean;
}

export interface PropertyPath {
  root: string;
  steps: PathStep[];
}

export type Lookup = { found: true; value: JsonValue | undefined } | { found: false };

const PATH = /^\s*([A-Za-z_$][\w$]*)((?:\s*(?:\??\.\s*[A-Za-z_$][\w$]*|(?:\?\.)?\[\s*(?:\d+|"[^"\\\n]*"|'[^'\\\n]*')\s*\]))*)\s*$/;
const STEP = /(\?)?(?:\.\s*([A-Za-z_$][\w$]*)|\.?\[\s*(?:(\d+)|"([^"\\\n]*)"|'([^'\\\n]*)')\s*\])/g;

// Roots that look like identifiers but are not variables.
const NOT_VARIABLES = new Set([
  "this",
  "true",
  "false",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "new",
  "typeof",
  "void",
  "delete",
  "await",
  "yield",
  "super",
  "import",
  "function",
  "class",
  "arguments",
]);

/** Parse a plain property path; null when the expression is anything else. */
export function parsePath(expr: string): PropertyPath | null {
  const match = PATH.exec(expr);
  if (!match || NOT_VARIABLES.has(match[1]!)) return null;
  const steps: PathStep[] = [];
  for (const step of match[2]!.matchAll(STEP)) {
    const [, optional, name, index, double, single] = step;
    const key = name ?? double ?? single ?? Number(index);
    steps.push({ key, optional: optional === "?" });
  }
  return { root: match[1]!, steps };
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function prototypeHas(value: JsonValue, key: string): boolean {
  if (Array.isArray(value)) return key in Array.prototype;
  switch (typeof value) {
    case "string":
      return key in String.prototype;
    case "number":
      return key in Number.prototype;
    case "boolean":
      return key in Boolean.prototype;
    default:
      return key in Object.prototype;
  }
}

/** One property read with JavaScript semantics on JSON data; undefined `step` result = fallback. */
function read(base: JsonValue, key: string | number): { value: JsonValue | undefined } | undefined {
  const name = String(key);
  if (Array.isArray(base) || typeof base === "string") {
    if (name === "length") return { value: base.length };
    if (ARRAY_INDEX.test(name)) return { value: base[Number(name)] };
  } else if (typeof base === "object" && base !== null && Object.hasOwn(base, name)) {
    return { value: base[name] };
  }
  return prototypeHas(base, name) ? undefined : { value: undefined };
}

/** Evaluate a parsed path against the scope. */
export function lookupPath(path: PropertyPath, scope: Readonly<Record<string, JsonValue>>): Lookup {
  if (!Object.hasOwn(scope, path.root)) return { found: false };
  let current: JsonValue | undefined = scope[path.root];
  for (const step of path.steps) {
    if (current === null || current === undefined) {
      if (step.optional) return { found: true, value: undefined };
      return { found: false };
    }
    const next = read(current, step.key);
    if (!next) return { found: false };
    current = next.value;
  }
  return { found: true, value: current };
}
