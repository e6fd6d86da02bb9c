/**
 * Turns zod issues into flow issues with human messages. zod's own messages
 * ("Invalid input") are replaced: every parse runs with an error map that
 * marks default messages, so messages written in the schemas are kept and
 * everything else is phrased here. Unions are unwrapped to the branch the
 * author most plausibly meant, so one mistake gives one message.
 */
import type { z } from "zod";
import { FLOW_CODE, TEMPLATE_UNION } from "./primitives";
import { closest, kindOf, preview } from "./suggest";

type Path = (string | number)[];
type Issue = z.core.$ZodIssue;

const DEFAULT_MESSAGE = "\u0000flow:default";

export interface SectionCodes {
  unknownKey: string;
  missing: string;
  invalid: string;
}

/** How one section (params, retry, metadata...) phrases its messages. */
export interface Section {
  codes: SectionCodes;
  /** Where the checked value sits in the document. */
  base: Path;
  unknown(path: Path, key: string, hint: string): string;
  missing(path: Path): string;
  invalid(path: Path, detail: string): string;
  /** A rule spanning several fields (e.g. "operation 'set' needs param 'key'"). */
  rule(detail: string): string;
}

export interface MappedIssue {
  code: string;
  message: string;
  path: Path;
  anchor: "key" | "value";
}

interface Leaf {
  issue: Issue;
  path: Path;
  /** The value could also have been a "${...}" template. */
  templatable: boolean;
}

function hasRootTypeError(issues: readonly Issue[]): boolean {
  return issues.some((issue) => issue.code === "invalid_type" && issue.path.length === 0);
}

/** Flattens unions down to the issues of the branch that best fits the value. */
function flatten(issues: readonly Issue[], prefix: Path, templatable: boolean, out: Leaf[]): Leaf[] {
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as Path)];
    if (issue.code !== "invalid_union") {
      out.push({ issue, path, templatable: templatable && issue.path.length === 0 });
      continue;
    }
    const branches = issue.errors;
    if (issue.message === TEMPLATE_UNION && branches[0]) {
      flatten(branches[0], path, true, out);
      continue;
    }
    if (issue.message !== DEFAULT_MESSAGE) {
      // The schema phrased this union's failure itself.
      out.push({ issue, path, templatable: false });
      continue;
    }
    const fitting = branches.filter((branch) => !hasRootTypeError(branch));
    if (fitting.length === 0) {
      // The value's kind matches no branch: one "expected X or Y" message.
      const expected = branches.flatMap((branch) =>
        branch.filter((i) => i.code === "invalid_type" && i.path.length === 0).map((i) => (i as { expected: string }).expected),
      );
      const synthetic = { code: "invalid_type", expected: expected.join("|"), path: [], message: DEFAULT_MESSAGE, input: issue.input };
      out.push({ issue: synthetic as unknown as Issue, path, templatable: templatable && issue.path.length === 0 });
      continue;
    }
    const best = fitting.reduce((a, b) => (b.length < a.length ? b : a));
    flatten(best, path, false, out);
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true/false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "null",
};

function got(input: unknown): string {
  const kind = kindOf(input);
  return kind === "mapping" || kind === "list" || kind === "null" ? kind : `${kind} ${preview(input)}`;
}

function describeType(expected: string, input: unknown, templatable: boolean): string {
  const words = [...new Set(expected.split("|").map((e) => TYPE_WORDS[e] ?? e))];
  // A template is a string, so offering it only helps where strings are not already allowed.
  if (templatable && !expected.split("|").includes("string")) words.push('a "${...}" template');
  const list = words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}` : (words[0] ?? "");
  return `expected ${list}, got ${got(input)}`;
}

function describeBound(issue: Issue): string {
  const bound = issue as unknown as { origin: string; minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean };
  const small = issue.code === "too_small";
  const limit = Number(small ? bound.minimum : bound.maximum);
  switch (bound.origin) {
    case "string":
      if (small && limit === 1) return "must not be empty";
      return `must be ${small ? "at least" : "at most"} ${limit} characters`;
    case "array":
    case "set":
      return `must have ${small ? "at least" : "at most"} ${limit} item${limit === 1 ? "" : "s"}`;
    default: {
      const op = small ? (bound.inclusive ? ">=" : ">") : bound.inclusive ? "<=" : "<";
      return `must be ${op} ${limit}, got ${preview(issue.input)}`;
    }
  }
}

function describe(leaf: Leaf): string {
  const { issue } = leaf;
  if (issue.message !== DEFAULT_MESSAGE) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return describeType(issue.expected, issue.input, leaf.templatable);
    case "too_small":
    case "too_big":
      return describeBound(issue);
    case "invalid_value": {
      const values = issue.values.map(String);
      const input = issue.input;
      const hint = typeof input === "string" ? closest(input, values) : undefined;
      const choice = values.length === 1 ? `must be '${values[0]}'` : `must be one of ${values.join(", ")}`;
      return `${choice}, got ${preview(input)}${hint === undefined ? "" : ` (did you mean '${hint}'?)`}`;
    }
    case "invalid_format":
      return `${preview(issue.input)} does not have the expected format`;
    default:
      return `invalid value ${preview(issue.input)}`;
  }
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
  element?: unknown;
  valueType?: unknown;
}

function defOf(schema: unknown): ZodDefLike | undefined {
  return (schema as { _zod?: { def?: ZodDefLike } } | undefined)?._zod?.def;
}

/** Keys an object schema accepts at `path`, for "did you mean" on unknown keys. */
export function knownKeysAt(schema: unknown, path: Path): string[] {
  let current: unknown[] = [schema];
  const unwrap = (list: unknown[]): unknown[] =>
    list.flatMap((s) => {
      const def = defOf(s);
      if (!def) return [];
      if (def.type === "optional" || def.type === "nullable" || def.type === "default") return unwrap([def.innerType]);
      if (def.type === "pipe") return unwrap([def.in]);
      if (def.type === "union") return unwrap(def.options ?? []);
      return [s];
    });
  for (const segment of path) {
    current = unwrap(current).flatMap((s) => {
      const def = defOf(s)!;
      if (def.type === "object" && typeof segment === "string") return def.shape?.[segment] ? [def.shape[segment]] : [];
      if (def.type === "array" && typeof segment === "number") return [def.element];
      if (def.type === "record") return [def.valueType];
      return [];
    });
  }
  const keys = unwrap(current).flatMap((s) => Object.keys(defOf(s)?.type === "object" ? (defOf(s)?.shape ?? {}) : {}));
  return [...new Set(keys)];
}

function lookup(value: unknown, path: Path): { found: boolean; value: unknown } {
  let current: unknown = value;
  for (const segment of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) return { found: false, value: undefined };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: true, value: current };
}

/** Checks `value` against `schema` and phrases every problem for `section`. */
export function checkSection(schema: z.ZodType, value: unknown, section: Section): MappedIssue[] {
  const result = schema.safeParse(value, { error: () => DEFAULT_MESSAGE, reportInput: true });
  if (result.success) return [];
  const mapped: MappedIssue[] = [];
  for (const leaf of flatten(result.error.issues, [], false, [])) {
    const { issue, path } = leaf;
    const full = [...section.base, ...path];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const match = closest(key, known);
        const hint =
          match !== undefined ? ` (did you mean '${match}'?)` : known.length > 0 ? ` (expected one of: ${known.join(", ")})` : "";
        mapped.push({ code: section.codes.unknownKey, message: section.unknown(path, key, hint), path: [...full, key], anchor: "key" });
      }
      continue;
    }
    const params = issue.code === "custom" ? (issue.params ?? {}) : {};
    const flowCode = typeof params[FLOW_CODE] === "string" ? (params[FLOW_CODE] as string) : undefined;
    if (typeof params.missing === "boolean") {
      const code = params.missing ? section.codes.missing : section.codes.invalid;
      mapped.push({ code, message: section.rule(issue.message), path: full, anchor: params.missing ? "key" : "value" });
      continue;
    }
    // Nothing there at all: whatever the schema says about the type, the problem is absence.
    if (!lookup(value, path).found) {
      mapped.push({ code: section.codes.missing, message: section.missing(path), path: full, anchor: "key" });
      continue;
    }
    mapped.push({ code: flowCode ?? section.codes.invalid, message: section.invalid(path, describe(leaf)), path: full, anchor: "value" });
  }
  return mapped;
}

/** "auth.token", "conditions[0].action" */
export function dotted(path: Path): string {
  let text = "";
  for (const segment of path) text += typeof segment === "number" ? `[${segment}]` : text === "" ? segment : `.${segment}`;
  return text;
}
