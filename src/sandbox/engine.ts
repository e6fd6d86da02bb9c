import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { type DescribedError, toSandboxError } from "./errors";
import { INSPECT_FILENAME, INSPECT_SOURCE } from "./inspect";
import { LogCollector, utf8Length } from "./logs";
import type { PreparedSource } from "./source";
import type { JsonValue } from "../lib/json";
import type { LogLine, SandboxError, SandboxLimits, SandboxResult } from "./types";

const LEVELS: LogLine["level"][] = ["log", "info", "warn", "error", "debug"];
const UNDESCRIBED: DescribedError = { thrown: "(an exception that could not be described)" };

type Outcome = { error: QuickJSHandle } | { value: QuickJSHandle } | { pending: true };

/** Everything one call owns inside its context. Intrinsics are captured before user code can replace them. */
interface Call {
  ctx: QuickJSContext;
  source: PreparedSource;
  limits: SandboxLimits;
  logs: LogCollector;
  own: (handle: QuickJSHandle) => QuickJSHandle;
  stringify: QuickJSHandle;
  parse: QuickJSHandle;
  reflectGet: QuickJSHandle;
  toStr: QuickJSHandle;
  errorCtor: QuickJSHandle;
  inspect?: QuickJSHandle;
}

/**
 * One QuickJS runtime, reused across calls; every call gets a fresh context (own globals and
 * intrinsics, so prototype tampering dies with it). Everything the host does inside the context goes
 * through the FFI rather than through JavaScript it would have to parse each time.
 *
 * QuickJS does not always survive running out of memory (a later GC can trap on a half-built object,
 * and the FFI glue does not check every malloc), so a call that ends in a memory error marks the
 * engine `poisoned` and the owner drops the whole wasm instance instead of reusing or even disposing it.
 */
export class QuickJSEngine {
  poisoned = false;
  private readonly runtime: QuickJSRuntime;
  private ticks = 0;
  private budget = 0;
  private interrupted = false;
  private exhausted = false;

  constructor(module: QuickJSWASMModule) {
    refuseGrowth(module, () => (this.exhausted = true));
    this.runtime = module.newRuntime();
    this.runtime.setInterruptHandler(() => {
      this.ticks++;
      if (this.ticks > this.budget) this.interrupted = true;
      return this.interrupted;
    });
  }

  /** Run prepared code. Throws only when the wasm instance itself faults; the caller must then drop it. */
  execute(source: PreparedSource, scope: Record<string, JsonValue>, limits: SandboxLimits): SandboxResult {
    this.exhausted = false;
    const result = this.run(source, scope, limits);
    if (!this.exhausted) return result;
    // Whatever the script made of it, a failed allocation means the limit was hit and QuickJS's state
    // can no longer be trusted.
    this.poisoned = true;
    if (!result.ok && result.error.kind === "memory") return result;
    return fail({ kind: "memory", message: `Script exhausted the sandbox heap (memory limit ${limits.memoryBytes} bytes)` }, result.logs);
  }

  private run(source: PreparedSource, scope: Record<string, JsonValue>, limits: SandboxLimits): SandboxResult {
    const logs = new LogCollector(limits.logLines, limits.logBytes);
    const entries = Object.entries(scope).filter(([name]) => source.reads(name));
    const texts = entries.map(([name, value]) => [name, JSON.stringify(value) ?? "null"] as const);
    const bytes = texts.reduce((sum, [, text]) => sum + utf8Length(text), 0);
    // Copying an oversized scope into a nearly full heap would make malloc fail inside the FFI glue,
    // which does not check for it: refuse before touching the engine.
    if (bytes > limits.memoryBytes / 4) {
      return fail(
        { kind: "memory", message: `Scope is too large (${bytes} bytes of JSON) for the ${limits.memoryBytes}-byte memory limit` },
        logs,
      );
    }
    const rt = this.runtime;
    rt.setMemoryLimit(-1);
    rt.setMaxStackSize(limits.stackBytes);
    this.ticks = 0;
    this.budget = limits.instructionBudget;
    this.interrupted = false;
    const ctx = rt.newContext({ intrinsics: source.intrinsics });
    const owned: QuickJSHandle[] = [];
    const own = (handle: QuickJSHandle): QuickJSHandle => (owned.push(handle), handle);
    try {
      const jsonObject = own(ctx.getProp(ctx.global, "JSON"));
      const reflectObject = own(ctx.getProp(ctx.global, "Reflect"));
      const call: Call = {
        ctx,
        source,
        limits,
        logs,
        own,
        stringify: own(ctx.getProp(jsonObject, "stringify")),
        parse: own(ctx.getProp(jsonObject, "parse")),
        reflectGet: own(ctx.getProp(reflectObject, "get")),
        toStr: own(ctx.getProp(ctx.global, "String")),
        errorCtor: own(ctx.getProp(ctx.global, "Error")),
      };
      if (source.reads("console")) this.installConsole(call);
      // QuickJS's limit only catches single oversized allocations (its running total is broken under
      // emscripten); the fixed wasm memory is the real cap.
      rt.setMemoryLimit(limits.memoryBytes);
      for (const [name, text] of texts) {
        const installed = this.install(call, name, text);
        if (installed) return fail(this.describe(call, installed), logs);
      }
      const outcome = this.evaluate(call);
      if (this.interrupted) return fail(timeoutError(limits), logs);
      if ("error" in outcome) return fail(this.describe(call, outcome.error), logs);
      if ("value" in outcome) return this.finish(call, outcome.value, scope);
      // Nothing in the sandbox can settle a promise later (no timers, no I/O), so waiting is pointless.
      return fail({ kind: "runtime", message: "Script awaited a promise that never settles" }, logs);
    } finally {
      // A poisoned runtime may trap on free; the instance is abandoned whole instead.
      if (!this.poisoned && !this.exhausted) {
        rt.setMemoryLimit(-1);
        for (const handle of owned) if (handle.alive) handle.dispose();
        ctx.dispose();
      }
    }
  }

  private installConsole(call: Call): void {
    const { ctx, logs, limits } = call;
    const consoleObject = call.own(ctx.newObject());
    let accepting = true;
    for (const level of LEVELS) {
      const method = ctx.newFunction(level, (...args) => {
        if (!accepting) return;
        let message = "";
        for (let i = 0; i < args.length && message.length <= limits.logBytes; i++)
          message += (i > 0 ? " " : "") + this.show(call, args[i]!);
        accepting = logs.push(level, message.length > limits.logBytes ? message.slice(0, limits.logBytes) : message);
      });
      ctx.setProp(consoleObject, level, method);
      method.dispose();
    }
    ctx.setProp(ctx.global, "console", consoleObject);
  }

  /** Text for one console argument: primitives on the host, anything else through the inspect helper. */
  private show(call: Call, handle: QuickJSHandle): string {
    const { ctx } = call;
    switch (ctx.typeof(handle)) {
      case "string":
        return ctx.getString(handle);
      case "number":
        return String(ctx.getNumber(handle));
      case "boolean":
      case "undefined":
        return String(ctx.dump(handle));
      default:
        return this.inspect(call, handle, "log") ?? "[unprintable value]";
    }
  }

  /** Parse one scope value into a global; returns the error handle if that failed. */
  private install(call: Call, name: string, json: string): QuickJSHandle | undefined {
    const { ctx } = call;
    const text = ctx.newString(json);
    const parsed = ctx.callFunction(call.parse, ctx.undefined, text);
    text.dispose();
    if (parsed.error) return call.own(parsed.error);
    ctx.setProp(ctx.global, name, parsed.value);
    parsed.value.dispose();
    return undefined;
  }

  private evaluate(call: Call): Outcome {
    const { ctx, own, source } = call;
    const evaluated = ctx.evalCode(source.code, source.map.filename);
    if (evaluated.error) return { error: own(evaluated.error) };
    const value = own(evaluated.value);
    // The queue only reports what no promise captured: an interrupt or exhausted memory in some job.
    // That fails the run even if the script's own promise already settled.
    if (this.runtime.hasPendingJob()) {
      const jobs = this.runtime.executePendingJobs(-1);
      if (jobs.error) return { error: own(jobs.error) };
    }
    const state = ctx.getPromiseState(value);
    if (state.type === "fulfilled") return { value: state.notAPromise ? value : own(state.value) };
    if (state.type === "rejected") return { error: own(state.error) };
    return { pending: true };
  }

  /** JSON text of a value, via the captured JSON.stringify; undefined JSON (a function) reads as "null". */
  private stringify(call: Call, handle: QuickJSHandle): { json: string } | { error: QuickJSHandle } | { tooLarge: true } {
    const { ctx } = call;
    const result = ctx.callFunction(call.stringify, ctx.undefined, handle);
    if (result.error) return { error: call.own(result.error) };
    const text = call.own(result.value);
    if (ctx.typeof(text) !== "string") return { json: "null" };
    // UTF-16 length is a lower bound on UTF-8 bytes: reject without copying when it already exceeds the cap.
    if ((ctx.getLength(text) ?? 0) > call.limits.outputBytes) return { tooLarge: true };
    return { json: ctx.getString(text) };
  }

  private finish(call: Call, value: QuickJSHandle, scope: Record<string, JsonValue>): SandboxResult {
    const { ctx, limits, logs } = call;
    const tooLarge: SandboxError = { kind: "output_too_large", message: `Result exceeds the ${limits.outputBytes}-byte output limit` };
    const texts: string[] = [];
    const handles = [value];
    const wantShared = Object.hasOwn(scope, "shared") && call.source.reads("shared");
    if (wantShared) {
      const key = call.own(ctx.newString("shared"));
      const shared = ctx.callFunction(call.reflectGet, ctx.undefined, ctx.global, key);
      if (shared.error) return fail(this.describe(call, call.own(shared.error)), logs);
      handles.push(call.own(shared.value));
    }
    for (const handle of handles) {
      const out = this.stringify(call, handle);
      if ("tooLarge" in out) return fail(tooLarge, logs);
      if ("error" in out) {
        const error = this.describe(call, out.error);
        // Serialising the result ran out of heap: that is an oversized result, not a runaway script.
        return fail(
          error.kind === "memory"
            ? { ...tooLarge, message: `Result too large to serialise within the ${limits.memoryBytes}-byte memory limit` }
            : error,
          logs,
        );
      }
      texts.push(out.json);
    }
    if (texts.reduce((sum, text) => sum + utf8Length(text), 0) > limits.outputBytes) return fail(tooLarge, logs);
    let parsed: JsonValue[];
    try {
      parsed = texts.map((text) => JSON.parse(text) as JsonValue);
    } catch {
      // Only a failed copy out of an exhausted heap produces unparsable text here.
      this.poisoned = true;
      return fail({ kind: "memory", message: "Result could not be copied out of the sandbox heap" }, logs);
    }
    const ok: SandboxResult = { ok: true, value: parsed[0] ?? null, logs: logs.lines };
    if (Object.hasOwn(scope, "shared")) ok.shared = wantShared ? (parsed[1] ?? null) : (scope.shared ?? null);
    return ok;
  }

  /** Run the inspect helper (compiled on first use in this call); undefined if even that failed. */
  private inspect(call: Call, handle: QuickJSHandle, mode: "log" | "describe"): string | undefined {
    const { ctx, own } = call;
    if (!call.inspect) {
      const factory = ctx.evalCode(INSPECT_SOURCE, INSPECT_FILENAME);
      if (factory.error) return void own(factory.error);
      const made = ctx.callFunction(own(factory.value), ctx.undefined, call.stringify, call.toStr, call.errorCtor);
      if (made.error) return void own(made.error);
      call.inspect = own(made.value);
    }
    const modeHandle = own(ctx.newString(mode));
    const result = ctx.callFunction(call.inspect, ctx.undefined, handle, modeHandle);
    if (result.error) return void own(result.error);
    const text = own(result.value);
    return ctx.typeof(text) === "string" ? ctx.getString(text) : undefined;
  }

  private describe(call: Call, error: QuickJSHandle): SandboxError {
    // Lift the single-allocation cap so an out-of-memory error can still be read; the wasm size stays.
    this.runtime.setMemoryLimit(-1);
    const text = this.inspect(call, error, "describe");
    let info = UNDESCRIBED;
    try {
      if (text !== undefined) info = JSON.parse(text) as DescribedError;
    } catch {
      // The copy out of an exhausted heap failed: the error is almost certainly memory.
      info = { name: "InternalError", message: "out of memory" };
    }
    // Reading the error ran user getters that hit the budget: the run timed out after all.
    if (this.interrupted) return timeoutError(call.limits);
    const result = toSandboxError(info, call.source.map);
    if (result.kind === "memory") {
      this.poisoned = true;
      result.message = `${result.message} (memory limit ${call.limits.memoryBytes} bytes)`;
    }
    return result;
  }
}

/**
 * The wasm memory is allocated at its maximum up front, so emscripten asks to grow it only when malloc
 * has run out. Every such request fails and is reported: it is the one reliable sign that some
 * allocation failed, even one QuickJS turned into an exception the script then caught.
 */
export function refuseGrowth(module: QuickJSWASMModule, onExhausted: () => void): void {
  module.getWasmMemory().grow = (): number => {
    onExhausted();
    throw new RangeError("sandbox heap exhausted");
  };
}

function fail(error: SandboxError, logs: LogCollector | LogLine[]): SandboxResult {
  return { ok: false, error, logs: Array.isArray(logs) ? logs : logs.lines };
}

function timeoutError(limits: SandboxLimits): SandboxError {
  // QuickJS does not record the interrupted frame's position, so no line or column is reported.
  return { kind: "timeout", message: `Script exceeded its instruction budget of ${limits.instructionBudget} ticks (infinite loop?)` };
}
