/**
 * The JavaScript plugin runtime over a wasm module factory: the Workers build passes the sandbox's
 * bounded module (index.ts), tests on Node pass a loader that reads the .wasm file.
 */
import type { ModuleFactory } from "../../sandbox/sandbox";
import type { PluginCall, PluginManifest, PluginOutcome } from "../contract";
import { PluginContext, type Stop } from "./context";
import { createEnginePool } from "./engine";
import { failure, firstPluginFrame, JS_PLUGIN_ERRORS, PLUGIN_FILENAME, type ThrownInfo } from "./errors";
import { Invocation, type JsPluginHost } from "./invocation";
import { DEFAULT_JS_PLUGIN_LIMITS, type JsPluginLimits, resolveJsPluginLimits } from "./limits";

export interface JsPluginProblem {
  message: string;
  line?: number;
  column?: number;
}

export interface JsPluginRuntime {
  /** Call one node function of a plugin's source. Never throws: every failure is `{ ok: false }`. */
  run(source: string, call: PluginCall, host: JsPluginHost, limits?: Partial<JsPluginLimits>): Promise<PluginOutcome>;
  /** An upload's check: the source compiles, and exports exactly one function per declared node. */
  check(source: string, manifest: PluginManifest): Promise<JsPluginProblem[]>;
}

export function createJsPluginRuntime(newModule: ModuleFactory): JsPluginRuntime {
  const pool = createEnginePool(newModule);
  return {
    async run(source, call, host, overrides) {
      const limits = resolveJsPluginLimits(overrides);
      try {
        return await pool.with(limits.memoryBytes, (engine) => new Invocation(engine, source, call, host, limits).run());
      } catch (fault) {
        // Only building a wasm instance can fail here; the invocation itself never throws.
        const detail = fault instanceof Error ? fault.message : String(fault);
        return { ok: false, error: failure(JS_PLUGIN_ERRORS.engineFailure, `Plugin engine failure: ${detail}`, true), logs: [] };
      }
    },
    async check(source, manifest) {
      try {
        return await pool.with(DEFAULT_JS_PLUGIN_LIMITS.memoryBytes, async (engine) =>
          checkSource(new PluginContext(engine, source, DEFAULT_JS_PLUGIN_LIMITS.maxJobs), source, manifest),
        );
      } catch (fault) {
        return [{ message: `The plugin could not be checked: ${fault instanceof Error ? fault.message : String(fault)}` }];
      }
    },
  };
}

function checkSource(context: PluginContext, source: string, manifest: PluginManifest): JsPluginProblem[] {
  const { engine } = context;
  const limits = DEFAULT_JS_PLUGIN_LIMITS;
  engine.begin(limits.instructionBudget, limits.stackBytes);
  try {
    engine.runtime.setMemoryLimit(limits.memoryBytes);
    const loaded = context.load();
    if ("thrown" in loaded) return [sourceProblem(context.describe(loaded.thrown), source)];
    if (!("exports" in loaded)) return [stopProblem(loaded)];
    const listed = context.exportsOf(loaded.exports);
    if (!Array.isArray(listed)) return "thrown" in listed ? [{ message: "The module's exports could not be read" }] : [stopProblem(listed)];
    const exported = new Map(listed);
    const problems: JsPluginProblem[] = [];
    for (const node of Object.keys(manifest.nodes)) {
      const kind = exported.get(node);
      if (kind === undefined) problems.push({ message: `The manifest declares node ${node}, but the source exports no function ${node}` });
      else if (kind !== "function") problems.push({ message: `The export ${node} is a ${kind}, not a function` });
    }
    for (const name of exported.keys()) {
      if (!Object.hasOwn(manifest.nodes, name))
        problems.push({ message: `The source exports ${name}, which is not a node of the manifest (export only node functions)` });
    }
    return problems;
  } finally {
    if (engine.exhausted) engine.poisoned = true;
    context.dispose();
  }
}

function stopProblem(stop: Stop): JsPluginProblem {
  if ("stopped" in stop) return { message: "The module's top-level code was stopped" };
  return { message: `The module's top-level code exceeded the instruction budget of ${DEFAULT_JS_PLUGIN_LIMITS.instructionBudget} ticks` };
}

const IMPORT = /^[ \t]*import\b\s*[\w{*'"]/m;

/** A compile error or a failure of the top-level code, with its position in the source. */
function sourceProblem(info: ThrownInfo | undefined, source: string): JsPluginProblem {
  if (!info) return { message: "The module's top-level code threw an exception that could not be described" };
  if (info.thrown !== undefined) return { message: `The module's top-level code threw ${info.thrown}` };
  const text = `${info.name ?? "Error"}: ${info.message ?? ""}`;
  if (info.name === "ReferenceError" && /^could not load module/.test(info.message ?? "")) {
    // QuickJS reports a failed import without a position: find the first import statement.
    const at = IMPORT.exec(source);
    const line = at ? source.slice(0, at.index).split("\n").length : undefined;
    return {
      message: `A plugin is one self-contained module: imports are not supported (${info.message})`,
      ...(line ? { line, column: 1 } : {}),
    };
  }
  const frame = firstPluginFrame(info.stack);
  if (info.name === "SyntaxError" && info.fileName === PLUGIN_FILENAME && typeof info.line === "number") {
    return { message: text, line: info.line, ...(frame && frame.line === info.line ? { column: frame.column } : {}) };
  }
  return { message: `The module's top-level code failed: ${text}`, ...(frame ? { line: frame.line, column: frame.column } : {}) };
}
