import type { JsonValue } from "../lib/json";

export interface SandboxLimits {
  /**
   * Heap for one call, in bytes. Enforced as the fixed size of the engine's wasm memory
   * (memoryBytes + ENGINE_OVERHEAD_BYTES), because QuickJS's own accounting is
   * broken under emscripten; also passed to QuickJS as a single-allocation cap. Clamped to
   * [MIN_MEMORY_BYTES, MAX_MEMORY_BYTES] and rounded up to whole MiB.
   */
  memoryBytes: number;
  /** QuickJS stack cap, in bytes. Clamped to MAX_STACK_BYTES: deeper stacks overflow the host's native stack. */
  stackBytes: number;
  /**
   * Interrupt-handler ticks allowed per call. QuickJS polls the handler about every 10,000 branches or
   * calls, so one tick is a unit of work, not of time: wall clocks do not advance during synchronous
   * work in workerd, so a time-based budget would never fire.
   */
  instructionBudget: number;
  /** Cap on the UTF-8 size of the JSON result (plus `shared`, when returned). */
  outputBytes: number;
  /** Cap on captured console lines, including the final truncation marker. */
  logLines: number;
  /** Cap on the total UTF-8 size of captured console messages. */
  logBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({
  memoryBytes: 16 * 1024 * 1024,
  stackBytes: 256 * 1024,
  instructionBudget: 1_000,
  outputBytes: 1024 * 1024,
  logLines: 100,
  logBytes: 64 * 1024,
});

/**
 * Measured: QuickJS's own stack check fires at 256 KiB before the host (V8 in Node 22 and workerd) runs
 * out of native stack for the nested wasm frames; at 512 KiB the host overflows first, which forces a
 * fresh wasm instance. Larger requests are clamped rather than honoured.
 */
export const MAX_STACK_BYTES = 256 * 1024;

const MIB = 1024 * 1024;
/** The wasm module declares 16 MiB of initial memory, so smaller heaps cannot be enforced. */
export const MIN_MEMORY_BYTES = 8 * MIB;
/** A Worker isolate has 128 MB in all; two engines at this size already take more than half. */
export const MAX_MEMORY_BYTES = 64 * MIB;
/** Measured: static data, the shadow stack and the QuickJS runtime take 5.5–6.7 MB of the wasm memory. */
export const ENGINE_OVERHEAD_BYTES = 8 * MIB;

export interface LogLine {
  level: "log" | "info" | "warn" | "error" | "debug";
  message: string;
}

export type SandboxErrorKind = "syntax" | "runtime" | "timeout" | "memory" | "output_too_large";

export type SandboxError = {
  kind: SandboxErrorKind;
  message: string;
  line?: number;
  column?: number;
  stack?: string;
};

export type SandboxResult =
  { ok: true; value: JsonValue; logs: LogLine[]; shared?: JsonValue } | { ok: false; error: SandboxError; logs: LogLine[] };

export interface Sandbox {
  /**
   * Run a function body (`return` gives the result; top-level `await` works). Scope keys become
   * globals. Never throws: every failure, including engine faults, is a `{ ok: false }` result.
   */
  runScript(body: string, scope: Record<string, JsonValue>, limits?: Partial<SandboxLimits>): Promise<SandboxResult>;
  /** Evaluate one JavaScript expression against the scope. Same contract as runScript. */
  evalExpression(expr: string, scope: Record<string, JsonValue>, limits?: Partial<SandboxLimits>): Promise<SandboxResult>;
}

/**
 * The isolate's sandbox. Its own methods run every call in a fresh context; `forAccount` gives a
 * Sandbox whose calls may share a locked-down context with the account's other calls (the engine's
 * hot path: a fresh context is most of a short script's cost). What a shared context keeps from one
 * call to the next is nothing a script can observe: built-ins are frozen, the globals a call added
 * are deleted after it, and a context that cannot be shown clean is thrown away (docs/expressions.md).
 */
export interface SandboxPool extends Sandbox {
  forAccount(accountId: string): Sandbox;
}

/** Merge per-call overrides onto the defaults, dropping anything that is not a positive finite number. */
export function resolveLimits(overrides: Partial<SandboxLimits> | undefined): SandboxLimits {
  return clampEngineLimits(mergeLimits(DEFAULT_LIMITS, overrides));
}

/** Overrides onto defaults, each floored; anything that is not a positive finite number is dropped. */
export function mergeLimits<T extends object>(defaults: T, overrides: Partial<T> | undefined): T {
  const limits = { ...defaults };
  if (overrides) {
    for (const key of Object.keys(limits) as (keyof T)[]) {
      const value = overrides[key];
      if (typeof value === "number" && Number.isFinite(value) && value > 0) limits[key] = Math.floor(value) as T[keyof T];
    }
  }
  return limits;
}

/** Stack and heap to what an engine can enforce: see MAX_STACK_BYTES and memoryBytes. */
export function clampEngineLimits<T extends Pick<SandboxLimits, "memoryBytes" | "stackBytes">>(limits: T): T {
  limits.stackBytes = Math.min(limits.stackBytes, MAX_STACK_BYTES);
  const memory = Math.min(Math.max(limits.memoryBytes, MIN_MEMORY_BYTES), MAX_MEMORY_BYTES);
  limits.memoryBytes = Math.ceil(memory / MIB) * MIB;
  return limits;
}
