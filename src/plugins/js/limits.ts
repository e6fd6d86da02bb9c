/**
 * What one invocation of a JavaScript plugin may use. Each limit ends the invocation with its own
 * error code (see errors.ts) and leaves the host and the engine healthy for the next call.
 */
import { clampEngineLimits, MAX_STACK_BYTES, mergeLimits, type SandboxLimits } from "../../sandbox/types";

/**
 * The sandbox's limits, with the same meaning (heap as the fixed wasm memory, stack, output, logs),
 * except that the instruction budget covers the whole invocation: every slice of work between host
 * calls draws on it, so awaiting cannot renew it. Plus what only an invocation that calls out has.
 */
export interface JsPluginLimits extends SandboxLimits {
  /** Promise jobs for the whole invocation: a cap on job storms, which cost many jobs per tick. */
  maxJobs: number;
  /** `http.fetch` calls allowed per invocation; the next one fails the invocation. */
  maxHttpCalls: number;
  /** Deadline of one `http.fetch` (headers and body); never beyond what is left of `wallTimeMs`. */
  httpTimeoutMs: number;
  /** Body cap of one `http.fetch` answer: the body is copied into the plugin's heap. */
  httpResponseBytes: number;
  /**
   * Wall time of the invocation. Synchronous work is bounded by the instruction budget (clocks do not
   * advance during it in workerd); this deadline bounds the time spent awaiting host calls.
   */
  wallTimeMs: number;
}

export const DEFAULT_JS_PLUGIN_LIMITS: JsPluginLimits = Object.freeze({
  memoryBytes: 16 * 1024 * 1024,
  stackBytes: MAX_STACK_BYTES,
  // Measured (Node 22, 2 shared cores): an endless loop ends after ≈ 0.11–0.15 s at 1,000 ticks and
  // ≈ 0.2–0.3 s at 2,000; a loop of 100,000 iterations fits in 40 ticks. A plugin mostly shapes JSON between
  // calls, so 2,000 ticks is ample and still well inside a Worker's CPU allowance.
  instructionBudget: 2_000,
  // Measured: a storm of self-scheduling jobs ends after ≈ 0.12 s at 10,000 jobs and ≈ 0.9 s at 100,000
  // (jobs cost far more per tick than plain loops); real plugins run a few hundred.
  maxJobs: 20_000,
  outputBytes: 1024 * 1024,
  logLines: 100,
  logBytes: 64 * 1024,
  // Each call is a subrequest of the Worker running the flow (50 per request on the free plan).
  maxHttpCalls: 20,
  httpTimeoutMs: 15_000,
  // A body is held as UTF-16 in the 16 MiB heap, and json() builds a copy: 1 MiB leaves room for both.
  httpResponseBytes: 1024 * 1024,
  wallTimeMs: 30_000,
});

/** Merge overrides onto the defaults, dropping anything that is not a positive finite number. */
export function resolveJsPluginLimits(overrides: Partial<JsPluginLimits> | undefined): JsPluginLimits {
  return clampEngineLimits(mergeLimits(DEFAULT_JS_PLUGIN_LIMITS, overrides));
}
