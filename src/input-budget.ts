/**
 * The input budget: every limit on what a caller may send, in one place, each
 * checked before the work it guards. Sign-up is open by default, so anyone can
 * send a document shaped to make a parser, a validator or the runtime's
 * serialiser do quadratic (or unbounded) work; each number below is far
 * beyond what a real flow or payload needs and well before that cost shows.
 * docs/api.md and docs/flow-language.md list the same numbers.
 *
 * Pure module (web-standard APIs only): the flow language, the HTTP layer and
 * the services all read their limits from here.
 */

export const INPUT_BUDGET = {
  /**
   * YAML source of one flow. Refused before parsing: the yaml package parsed
   * a 1 MiB flow in 0.5–1 s on the 2-core test machine. 1,000 typical nodes
   * with a script each are ≈170 KiB.
   */
  flowSourceBytes: 256 * 1024,
  /**
   * YAML tokens in one flow (each key, value, indicator, space run and line
   * break; a block scalar is one). Parsing costs 2–4 µs per token in
   * workerd here whatever the bytes hold, so this, not the byte count, bounds
   * the parser's time (≈150 ms at the limit; see docs/benchmarks.md). A
   * typical node is 25–80 tokens.
   */
  yamlTokens: 50_000,
  /** Nesting of mappings and lists in a flow: a real flow nests about 8 deep. */
  flowDepth: 64,
  /** Alias nodes (`*name`) in one flow; each is resolved against the anchors before it. */
  yamlAliases: 1_000,
  /** Anchors (`&name`) in one flow. */
  yamlAnchors: 1_000,
  /** Values that aliases add when expanded, summed over the flow ("billion laughs" stops here). */
  aliasExpansion: 10_000,
  /** Nodes in one flow. */
  nodes: 1_000,
  /** Edge targets in one flow, summed over every node's `next`. */
  edges: 5_000,
  /** A node id, and any reference to one (`next` targets, `start`). */
  idLength: 128,
  /** Any mapping key in a flow (param names, actions, ids). */
  flowKeyLength: 256,
  /** One string inside a flow (a script, a prompt, a URL). */
  flowStringLength: 100_000,
  /**
   * Edit-distance cells spent on "did you mean" hints for node ids in one
   * validation (≈5 ms here; one hint among 1,000 ids of 20 characters takes
   * ≈150,000); past it, unknown ids are reported without a hint.
   */
  suggestionCells: 500_000,
  /**
   * Nesting of a JSON request body. JSON.parse itself copes with any depth,
   * but the runtime's serialisers recurse: 3,000–5,000 levels overflowed the
   * stack when a run input or event reached the execution object.
   */
  jsonDepth: 128,
  /** An object key in a JSON request body. */
  jsonKeyLength: 1_024,
  /** A run input, event payload or rerun input, serialised (the execution object stores it whole). */
  storedValueBytes: 1024 * 1024,
  /** A flow's `custom` metadata after a PATCH merges it (one index row holds it). */
  customMetadataBytes: 64 * 1024,
} as const;

export type BudgetLimit = keyof typeof INPUT_BUDGET | "text";

/** One limit that an input broke, with where (a path into the value) and a sentence for people. */
export interface BudgetViolation {
  limit: BudgetLimit;
  max: number | null;
  path: (string | number)[];
  message: string;
}

/**
 * Offset of the first `[`/`{` nested deeper than `max` in JSON text, or
 * undefined. Linear, string-aware (brackets inside strings do not count), and
 * run before JSON.parse: parsing 500,000 levels alone took 230 ms.
 */
export function jsonTooDeepAt(text: string, max: number = INPUT_BUDGET.jsonDepth): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Why a string cannot be stored as it is: a NUL (PostgreSQL's text and jsonb
 * refuse it) or half of a surrogate pair (UTF-8 cannot encode it, so storage
 * would silently write U+FFFD instead). Undefined when it is fine.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "contains the character U+0000 (NUL)";
  if (!text.isWellFormed()) return "contains an unpaired UTF-16 surrogate (not valid Unicode)";
  return undefined;
}

/** The limits a walk of a parsed value enforces, with the names violations carry. */
export interface ValueLimits {
  depth: { limit: BudgetLimit; max: number };
  keyLength: { limit: BudgetLimit; max: number };
  /** Longest string; absent where the size of the enclosing document already bounds it. */
  stringLength?: { limit: BudgetLimit; max: number };
}

export const JSON_VALUE_LIMITS: ValueLimits = {
  depth: { limit: "jsonDepth", max: INPUT_BUDGET.jsonDepth },
  keyLength: { limit: "jsonKeyLength", max: INPUT_BUDGET.jsonKeyLength },
};

/**
 * Walks a parsed value (explicit stack: no recursion on user input) and
 * returns the first limit it breaks: depth, key length, string length, or
 * text that storage cannot keep. A value reached twice (a YAML alias) is
 * walked once, and a value that contains itself is not walked forever.
 */
export function checkValue(value: unknown, limits: ValueLimits = JSON_VALUE_LIMITS): BudgetViolation | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === "string") {
      const problem = stringProblem(current, limits, path);
      if (problem) return problem;
      continue;
    }
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    if (path.length >= limits.depth.max) {
      return { ...limits.depth, path, message: `nested more than ${limits.depth.max} levels deep` };
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const keyPath = [...path, key];
      if (key.length > limits.keyLength.max) {
        return {
          ...limits.keyLength,
          path: keyPath,
          message: `key is ${key.length} characters long; the limit is ${limits.keyLength.max}`,
        };
      }
      const problem = textProblem(key);
      if (problem) return { limit: "text", max: null, path: keyPath, message: `key ${problem}` };
      stack.push({ value: (current as Record<string, unknown>)[key], path: keyPath });
    }
  }
  return undefined;
}

function stringProblem(text: string, limits: ValueLimits, path: (string | number)[]): BudgetViolation | undefined {
  const cap = limits.stringLength;
  if (cap && text.length > cap.max) {
    return { ...cap, path, message: `string is ${text.length} characters long; the limit is ${cap.max}` };
  }
  const problem = textProblem(text);
  return problem ? { limit: "text", max: null, path, message: `string ${problem}` } : undefined;
}

/** UTF-8 length of a value's JSON text, or undefined when it has none (undefined, a function). */
export function jsonBytes(value: unknown): number | undefined {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : utf8Bytes(text);
}

/** UTF-8 length of a string, without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Two bytes below U+0800, three above, four for a surrogate pair (two units).
    if (c >= 0x80) bytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}
