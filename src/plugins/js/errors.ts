/**
 * The error codes a JavaScript plugin's outcome can carry, and how a value thrown inside QuickJS
 * becomes one. Codes a plugin sets itself (a returned `{error}`, or a thrown error with a `code`)
 * pass through unchanged.
 */
import type { PluginFailure } from "../contract";

export const JS_PLUGIN_ERRORS = {
  /** The node function threw (or rejected) without a code of its own. */
  thrown: "plugin_error",
  /** The returned value is not `{output, action?}` or `{error}`. */
  invalidResult: "plugin_invalid_result",
  /** The source does not compile, or its top-level code failed. */
  invalidSource: "plugin_invalid_source",
  /** The source has no function for the called node. */
  nodeMissing: "plugin_node_missing",
  cpuLimit: "plugin_cpu_limit",
  memoryLimit: "plugin_memory_limit",
  stackLimit: "plugin_stack_limit",
  outputLimit: "plugin_output_limit",
  httpLimit: "plugin_http_limit",
  /** The wall-time deadline passed, or the plugin awaits a promise nothing can settle. */
  timeout: "plugin_timeout",
  /** The node's signal aborted the invocation (the run was cancelled). */
  aborted: "aborted",
  /** The engine itself faulted; the instance is replaced. */
  engineFailure: "plugin_engine_failure",
} as const;

export const PLUGIN_FILENAME = "plugin.js";

/** What the prelude's `describe` reports about a thrown value. */
export interface ThrownInfo {
  name?: string;
  message?: string;
  stack?: string;
  code?: string;
  retryable?: boolean;
  line?: number;
  fileName?: string;
  thrown?: string;
}

/** Where a thrown value points in the plugin's source. */
export interface SourcePosition {
  line: number;
  column: number;
  /** The innermost named function of the plugin on the stack. */
  fn?: string;
}

// QuickJS frames look like "    at f (plugin.js:3:9)" or, for parse errors, "    at plugin.js:3:9".
const FRAME = /^\s*at\s+(?:(.*?)\s+\()?([^():\s]+):(\d+):(\d+)\)?\s*$/;

/** The first frame of the plugin's own file. */
export function firstPluginFrame(stack: string | undefined): SourcePosition | undefined {
  for (const raw of (stack ?? "").split("\n")) {
    const frame = FRAME.exec(raw);
    if (!frame || frame[2] !== PLUGIN_FILENAME) continue;
    const fn = frame[1] && frame[1] !== "<anonymous>" ? frame[1] : undefined;
    return { line: Number(frame[3]), column: Number(frame[4]), ...(fn ? { fn } : {}) };
  }
  return undefined;
}

const CODE = /^[a-z][a-z0-9_.]{0,63}$/;
const MEMORY_MESSAGES = new Set(["out of memory", "string too long"]);

export function isMemoryError(info: ThrownInfo): boolean {
  return info.name === "InternalError" && MEMORY_MESSAGES.has(info.message ?? "");
}

/** A thrown value as a plugin failure: its own `code` and `retryable` if it set them, else plugin_error. */
export function thrownFailure(info: ThrownInfo): PluginFailure {
  if (info.thrown !== undefined) return { code: JS_PLUGIN_ERRORS.thrown, message: `Uncaught ${info.thrown}`, retryable: false };
  const text = info.message ? `${info.name ?? "Error"}: ${info.message}` : (info.name ?? "Error");
  if (isMemoryError(info)) return { code: JS_PLUGIN_ERRORS.memoryLimit, message: text, retryable: false };
  if (info.name === "InternalError" && info.message === "stack overflow") {
    return { code: JS_PLUGIN_ERRORS.stackLimit, message: text, retryable: false };
  }
  const at = firstPluginFrame(info.stack);
  const where = at ? ` (at ${at.fn ? `${at.fn}, ` : ""}${PLUGIN_FILENAME}:${at.line}:${at.column})` : "";
  const code = info.code !== undefined && CODE.test(info.code) ? info.code : JS_PLUGIN_ERRORS.thrown;
  return { code, message: `${text}${where}`, retryable: info.retryable === true };
}

export function failure(code: string, message: string, retryable = false): PluginFailure {
  return { code, message, retryable };
}
