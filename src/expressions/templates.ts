import type { JsonValue } from "../lib/json";
import type { LogLine, Sandbox, SandboxErrorKind, SandboxLimits } from "../sandbox/types";
import { type CompiledExpression, compileTemplate } from "./compile";
import { lookupPath } from "./path";

/** Names visible to expressions: input, shared, results, params, secrets, execution (whatever is passed). */
export type TemplateScope = Record<string, JsonValue>;

export interface TemplateOptions {
  sandbox: Sandbox;
  /** Node whose params are evaluated; names the node in errors and gives the default path prefix. */
  nodeId?: string;
  /** Prefix of the reported param path; defaults to `nodes.<nodeId>.params`, or `params`. */
  pathPrefix?: string;
  /** Sandbox limits for expressions that are not plain paths. */
  limits?: Partial<SandboxLimits>;
}

export interface TemplateError {
  node?: string;
  /** Where the failing string sits, e.g. `nodes.fetch.params.headers.Authorization`. */
  path: string;
  /** `<path>: <error>`, e.g. `nodes.fetch.params.headers.Authorization: ReferenceError: 'foo' is not defined`. */
  message: string;
  kind: SandboxErrorKind;
  /** Line and column inside the expression, when the sandbox reported them. */
  line?: number;
  column?: number;
}

export type TemplateResult = { ok: true; value: JsonValue; logs: LogLine[] } | { ok: false; error: TemplateError; logs: LogLine[] };

type Step =
  { ok: true; value: JsonValue | undefined } | { ok: false; kind: SandboxErrorKind; message: string; line?: number; column?: number };

class TemplateFailure {
  constructor(readonly error: TemplateError) {}
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * How an embedded value becomes text: strings as they are, numbers and booleans as JavaScript prints
 * them, null and undefined as nothing (so an absent optional value leaves no "null" in a URL), and
 * objects and arrays as JSON.
 */
export function interpolate(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

async function evaluateExpression(
  expr: CompiledExpression,
  scope: TemplateScope,
  options: TemplateOptions,
  logs: LogLine[],
): Promise<Step> {
  if (expr.path) {
    const found = lookupPath(expr.path, scope);
    if (found.found) return { ok: true, value: found.value };
  }
  const result = await options.sandbox.evalExpression(expr.source, scope, options.limits);
  logs.push(...result.logs);
  if (result.ok) return { ok: true, value: result.value };
  const { kind, message, line, column } = result.error;
  return { ok: false, kind, message, line, column };
}

/** Evaluate one template string. A typed (`"${x}"`) template keeps the value's type; undefined becomes null. */
async function evaluateString(
  text: string,
  scope: TemplateScope,
  options: TemplateOptions,
  path: string,
  logs: LogLine[],
): Promise<JsonValue> {
  if (!text.includes("${")) return text;
  const compiled = compileTemplate(text);
  const failure = (step: Extract<Step, { ok: false }>): TemplateFailure => {
    const error: TemplateError = { path, message: `${path}: ${step.message}`, kind: step.kind };
    if (options.nodeId !== undefined) error.node = options.nodeId;
    if (step.line !== undefined) error.line = step.line;
    if (step.column !== undefined) error.column = step.column;
    return new TemplateFailure(error);
  };
  switch (compiled.kind) {
    case "literal":
      return compiled.text;
    case "invalid":
      throw failure({ ok: false, kind: "syntax", message: `SyntaxError: ${compiled.message} at offset ${compiled.offset}` });
    case "typed": {
      const step = await evaluateExpression(compiled.expr, scope, options, logs);
      if (!step.ok) throw failure(step);
      return step.value ?? null;
    }
    case "interpolated": {
      let out = "";
      for (const part of compiled.parts) {
        if (typeof part === "string") {
          out += part;
          continue;
        }
        const step = await evaluateExpression(part, scope, options, logs);
        if (!step.ok) throw failure(step);
        out += interpolate(step.value);
      }
      return out;
    }
  }
}

async function walk(value: JsonValue, scope: TemplateScope, options: TemplateOptions, path: string, logs: LogLine[]): Promise<JsonValue> {
  if (typeof value === "string") return evaluateString(value, scope, options, path, logs);
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) out.push(await walk(value[i]!, scope, options, childPath(path, i), logs));
    return out;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, JsonValue> = {};
  for (const [rawKey, child] of Object.entries(value)) {
    const keyPath = childPath(path, rawKey);
    const key = rawKey.includes("${") ? interpolate(await evaluateString(rawKey, scope, options, `${keyPath} (key)`, logs)) : rawKey;
    out[key] = await walk(child, scope, options, keyPath, logs);
  }
  return out;
}

/**
 * Evaluate every `${...}` in a JSON value (strings, array items, object keys and values, at any
 * depth). Stops at the first failing expression and names the node and param path in the error.
 * Never throws. Values come back unredacted: they are what the node needs to run (a real
 * Authorization header); redact before storing or logging them.
 */
export async function evaluateTemplates(value: JsonValue, scope: TemplateScope, options: TemplateOptions): Promise<TemplateResult> {
  const prefix = options.pathPrefix ?? (options.nodeId !== undefined ? `nodes.${options.nodeId}.params` : "params");
  const logs: LogLine[] = [];
  try {
    return { ok: true, value: await walk(value, scope, options, prefix, logs), logs };
  } catch (thrown) {
    if (thrown instanceof TemplateFailure) return { ok: false, error: thrown.error, logs };
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const error: TemplateError = { path: prefix, message: `${prefix}: ${message}`, kind: "runtime" };
    if (options.nodeId !== undefined) error.node = options.nodeId;
    return { ok: false, error, logs };
  }
}
