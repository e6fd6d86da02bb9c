import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { type DescribedError, toSandboxError } from "./errors";
import { INSPECT_FILENAME, INSPECT_SOURCE } from "./inspect";
import { LOCKDOWN_FILENAME, LOCKDOWN_SOURCE } from "./lockdown";
import { LogCollector, utf8Length } from "./logs";
import { compiledFunction, keepsCompiled, type ContextTools, type SharedContext, SharedContexts } from "./shared-contexts";
import type { PreparedSource } from "./source";
import type { JsonValue } from "../lib/json";
import type { LogLine, SandboxError, SandboxLimits, SandboxResult } from "./types";

const LEVELS: LogLine["level"][] = ["log", "info", "warn", "error", "debug"];
const UNDESCRIBED: DescribedError = { thrown: "(an exception that could not be described)" };

type Outcome = { error: QuickJSHandle } | { value: QuickJSHandle } | { pending: true };
type Settled = { error: QuickJSHandle } | { value: QuickJSHandle };

/** A QuickJS call result as a plain union (its own type's methods are not needed here). */
function settled(result: { error?: QuickJSHandle; value?: QuickJSHandle }): Settled {
  return result.error ? { error: result.error } : { value: result.value! };
}

/** Everything one call uses inside its context; `own` frees a handle when the call ends. */
interface Call {
  ctx: QuickJSContext;
  source: PreparedSource;
  limits: SandboxLimits;
  logs: LogCollector;
  own: (handle: QuickJSHandle) => QuickJSHandle;
  tools: ContextTools;
  /** Set when the call runs in an account's shared context. */
  shared: SharedContext | undefined;
}

/**
 * One QuickJS runtime, reused across calls. A call gets a fresh context (own globals and intrinsics,
 * so prototype tampering dies with it), unless it is made for a key (an account) that has made
 * enough calls to be given a shared, locked-down context (see SharedContexts and lockdown.ts) and its
 * code is `shareable`. Everything the host does inside a context goes through the FFI rather than
 * through JavaScript it would have to parse each time.
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
  private readonly shared: SharedContexts;
  /** The call running now: console methods (installed once in a shared context) write to its logs. */
  private active: Call | undefined;

  constructor(module: QuickJSWASMModule, shareAfter = DEFAULT_SHARE_AFTER) {
    this.shared = new SharedContexts(shareAfter);
    refuseGrowth(module, () => (this.exhausted = true));
    this.runtime = module.newRuntime();
    this.runtime.setInterruptHandler(() => {
      this.ticks++;
      if (this.ticks > this.budget) this.interrupted = true;
      return this.interrupted;
    });
  }

  /** Shared contexts built so far and kept now, and the compiled scripts they keep (see SharedContexts). */
  get sharing(): { built: number; live: number; compiled: { scripts: number; chars: number } } {
    return { built: this.shared.built, live: this.shared.live, compiled: this.shared.compiled };
  }

  /** Run prepared code. Throws only when the wasm instance itself faults; the caller must then drop it. */
  execute(source: PreparedSource, scope: Record<string, JsonValue>, limits: SandboxLimits, shareKey?: string): SandboxResult {
    this.exhausted = false;
    const result = this.run(source, scope, limits, shareKey);
    if (!this.exhausted) return result;
    // Whatever the script made of it, a failed allocation means the limit was hit and QuickJS's state
    // can no longer be trusted.
    this.poisoned = true;
    if (!result.ok && result.error.kind === "memory") return result;
    return fail({ kind: "memory", message: `Script exhausted the sandbox heap (memory limit ${limits.memoryBytes} bytes)` }, result.logs);
  }

  private run(source: PreparedSource, scope: Record<string, JsonValue>, limits: SandboxLimits, shareKey?: string): SandboxResult {
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
    const shared = shareKey !== undefined && source.shareable ? this.sharedContext(shareKey) : undefined;
    this.ticks = 0;
    this.budget = limits.instructionBudget;
    this.interrupted = false;
    const ctx = shared?.ctx ?? rt.newContext({ intrinsics: source.intrinsics });
    const owned: QuickJSHandle[] = [];
    const own = (handle: QuickJSHandle): QuickJSHandle => (owned.push(handle), handle);
    const call: Call = { ctx, source, limits, logs, own, tools: shared?.tools ?? captureTools(ctx, own), shared };
    this.active = call;
    try {
      if (!shared && source.reads("console")) this.installConsole(ctx);
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
      this.active = undefined;
      // A poisoned runtime may trap on free; the instance is abandoned whole instead.
      if (!this.poisoned && !this.exhausted) {
        rt.setMemoryLimit(-1);
        for (const handle of owned) if (handle.alive) handle.dispose();
        if (shared) this.release(shareKey!, shared);
        else ctx.dispose();
      }
    }
  }

  /** The key's shared context, built now if the key has earned one; undefined means a fresh context. */
  private sharedContext(key: string): SharedContext | undefined {
    const found = this.shared.take(key);
    if (found !== "build") return found;
    const built = this.lockedDown();
    if (built) this.shared.add(key, built);
    return built;
  }

  private lockedDown(): SharedContext | undefined {
    const ctx = this.runtime.newContext();
    const kept: QuickJSHandle[] = [];
    const keep = (handle: QuickJSHandle): QuickJSHandle => (kept.push(handle), handle);
    const functions = new Map<string, QuickJSHandle>();
    const dispose = (): void => {
      for (const handle of [...kept, ...functions.values()]) if (handle.alive) handle.dispose();
      ctx.dispose();
    };
    const tools = captureTools(ctx, keep);
    this.installConsole(ctx);
    this.unbounded();
    const evaluated = ctx.evalCode(LOCKDOWN_SOURCE, LOCKDOWN_FILENAME);
    if (evaluated.error) {
      evaluated.error.dispose();
      dispose();
      return undefined;
    }
    return { ctx, tools, reset: keep(evaluated.value), functions, compiledChars: 0, dispose };
  }

  /**
   * Clears what the call added to the global object. The context is given up instead when it cannot
   * be shown clean: the call ran out of budget (its frames were cut short), left promise jobs behind
   * (they would run during the next call and see its scope), or added a global that cannot be deleted.
   */
  private release(key: string, shared: SharedContext): void {
    const clean = !this.interrupted && !this.runtime.hasPendingJob();
    this.unbounded();
    const reset = shared.ctx.callFunction(shared.reset, shared.ctx.undefined);
    const kept = reset.error ? -1 : shared.ctx.getNumber(reset.value);
    (reset.error ?? reset.value).dispose();
    if (!clean || kept !== 0) this.shared.discard(key);
  }

  /** Host work inside a context (building or clearing one) must not count against a call's budget. */
  private unbounded(): void {
    this.ticks = 0;
    this.budget = Number.POSITIVE_INFINITY;
    this.interrupted = false;
  }

  /** Console methods that write to whichever call is running (a shared context keeps them across calls). */
  private installConsole(ctx: QuickJSContext): void {
    const consoleObject = ctx.newObject();
    for (const level of LEVELS) {
      const method = ctx.newFunction(level, (...args) => {
        const call = this.active;
        if (!call?.logs.accepting) return;
        const { logBytes } = call.limits;
        let message = "";
        for (let i = 0; i < args.length && message.length <= logBytes; i++) message += (i > 0 ? " " : "") + this.show(call, args[i]!);
        call.logs.push(level, message.length > logBytes ? message.slice(0, logBytes) : message);
      });
      ctx.setProp(consoleObject, level, method);
      method.dispose();
    }
    ctx.setProp(ctx.global, "console", consoleObject);
    consoleObject.dispose();
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
    const parsed = ctx.callFunction(call.tools.parse, ctx.undefined, text);
    text.dispose();
    if (parsed.error) return call.own(parsed.error);
    ctx.setProp(ctx.global, name, parsed.value);
    parsed.value.dispose();
    return undefined;
  }

  private evaluate(call: Call): Outcome {
    const { ctx, own, source, shared } = call;
    const evaluated =
      shared && source.reusable && keepsCompiled(source.callable)
        ? this.callCompiled(call, shared)
        : settled(ctx.evalCode(source.code, source.map.filename));
    if ("error" in evaluated) return { error: own(evaluated.error) };
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

  /** The wrapper compiled once per shared context, then called: parsing is most of a short call. */
  private callCompiled(call: Call, shared: SharedContext): Settled {
    const { ctx, source } = call;
    const compiled = compiledFunction(shared, source.callable, () => settled(ctx.evalCode(source.callable, source.map.filename)));
    return "error" in compiled ? compiled : settled(ctx.callFunction(compiled.value, ctx.undefined));
  }

  /** JSON text of a value, via the captured JSON.stringify; undefined JSON (a function) reads as "null". */
  private stringify(call: Call, handle: QuickJSHandle): { json: string } | { error: QuickJSHandle } | { tooLarge: true } {
    const { ctx } = call;
    const result = ctx.callFunction(call.tools.stringify, ctx.undefined, handle);
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
      const shared = ctx.callFunction(call.tools.reflectGet, ctx.undefined, ctx.global, key);
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

  /** Run the inspect helper (compiled on first use in this context); undefined if even that failed. */
  private inspect(call: Call, handle: QuickJSHandle, mode: "log" | "describe"): string | undefined {
    const { ctx, own, tools } = call;
    if (!tools.inspect) {
      const factory = ctx.evalCode(INSPECT_SOURCE, INSPECT_FILENAME);
      if (factory.error) return void own(factory.error);
      const made = ctx.callFunction(own(factory.value), ctx.undefined, tools.stringify, tools.toStr, tools.errorCtor);
      if (made.error) return void own(made.error);
      tools.inspect = tools.keep(made.value);
    }
    const modeHandle = own(ctx.newString(mode));
    const result = ctx.callFunction(tools.inspect, ctx.undefined, handle, modeHandle);
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

/** Calls a key makes in an engine before it gets a shared context (see SharedContexts). */
export const DEFAULT_SHARE_AFTER = 50;

function captureTools(ctx: QuickJSContext, keep: (handle: QuickJSHandle) => QuickJSHandle): ContextTools {
  const jsonObject = keep(ctx.getProp(ctx.global, "JSON"));
  const reflectObject = keep(ctx.getProp(ctx.global, "Reflect"));
  return {
    stringify: keep(ctx.getProp(jsonObject, "stringify")),
    parse: keep(ctx.getProp(jsonObject, "parse")),
    reflectGet: keep(ctx.getProp(reflectObject, "get")),
    toStr: keep(ctx.getProp(ctx.global, "String")),
    errorCtor: keep(ctx.getProp(ctx.global, "Error")),
    keep,
  };
}

function fail(error: SandboxError, logs: LogCollector | LogLine[]): SandboxResult {
  return { ok: false, error, logs: Array.isArray(logs) ? logs : logs.lines };
}

function timeoutError(limits: SandboxLimits): SandboxError {
  // QuickJS does not record the interrupted frame's position, so no line or column is reported.
  return { kind: "timeout", message: `Script exceeded its instruction budget of ${limits.instructionBudget} ticks (infinite loop?)` };
}
