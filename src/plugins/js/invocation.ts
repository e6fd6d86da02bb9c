/**
 * One call of a plugin's node function. The sync QuickJS variant cannot block on host I/O, so
 * `http.fetch` hands the plugin a QuickJS promise and starts the host's fetch; the loop here waits
 * for whichever host call finishes first, settles its promise, runs the jobs that unblocks, and
 * repeats until the node function's own promise settles or a limit ends the invocation.
 */
import type { QuickJSDeferredPromise, QuickJSHandle } from "quickjs-emscripten-core";
import type { HttpClient } from "../../nodes/capabilities/http";
import { LogCollector, utf8Length } from "../../sandbox/logs";
import type { JsonValue } from "../../lib/json";
import type { PluginCall, PluginFailure, PluginLog, PluginOutcome } from "../contract";
import { type ApiHost, answerObject, buildArgs } from "./api";
import { PluginContext, type Stop } from "./context";
import type { PluginEngine } from "./engine";
import { failure, JS_PLUGIN_ERRORS as E, isMemoryError, thrownFailure } from "./errors";
import { type PluginAnswer, type PluginHttpError, type PluginRequest, pluginFetch } from "./host-http";
import type { JsPluginLimits } from "./limits";
import { readNodeResult } from "./result";

/** What a plugin call may use of the node that makes it. */
export interface JsPluginHost {
  /** The node's `ctx.http`: address policy, deadline and byte cap apply to every plugin call. */
  http: HttpClient;
  /** The node's signal: aborting it ends the invocation with `aborted`. */
  signal: AbortSignal;
}

type Completion = () => void;
type Wake = Completion | "deadline" | "aborted";

export class Invocation {
  private readonly logs: LogCollector;
  private readonly context: PluginContext;
  private readonly inflight = new Set<Promise<Completion>>();
  private readonly unsettled = new Set<QuickJSDeferredPromise>();
  /** Aborts the host calls still running when the invocation ends, whatever ended it. */
  private readonly calls = new AbortController();
  private readonly deadline: number;
  private httpCalls = 0;
  /** A host-side limit hit while plugin code was running; it ends the invocation at the next check. */
  private fatal: PluginFailure | undefined;

  constructor(
    private readonly engine: PluginEngine,
    private readonly source: string,
    private readonly call: PluginCall,
    private readonly host: JsPluginHost,
    private readonly limits: JsPluginLimits,
  ) {
    this.logs = new LogCollector(limits.logLines, limits.logBytes);
    this.deadline = Date.now() + limits.wallTimeMs;
    engine.begin(limits.instructionBudget, limits.stackBytes);
    this.context = new PluginContext(engine, source, limits.maxJobs);
  }

  async run(): Promise<PluginOutcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const deadline = new Promise<Wake>((resolve) => (timer = setTimeout(() => resolve("deadline"), this.limits.wallTimeMs)));
    const aborted = new Promise<Wake>((resolve) => {
      onAbort = () => resolve("aborted");
      if (this.host.signal.aborted) onAbort();
      else this.host.signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const outcome = await this.execute(deadline, aborted);
      // Whatever the plugin made of it, a failed allocation means the heap limit was hit.
      if (this.engine.exhausted) {
        this.engine.poisoned = true;
        if (outcome.ok || (outcome.error.code !== E.memoryLimit && outcome.error.code !== E.outputLimit))
          return this.fail(E.memoryLimit, this.memoryMessage());
      }
      return outcome;
    } catch (fault) {
      // The wasm instance faulted (a trap, the host stack, a failed allocation in the FFI glue).
      this.engine.poisoned = true;
      if (this.engine.exhausted) return this.fail(E.memoryLimit, this.memoryMessage());
      if (fault instanceof RangeError || (fault instanceof Error && /call stack/i.test(fault.message))) {
        return this.fail(E.stackLimit, "InternalError: stack overflow");
      }
      return this.fail(E.engineFailure, `Plugin engine failure: ${fault instanceof Error ? fault.message : String(fault)}`);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.host.signal.removeEventListener("abort", onAbort);
      this.calls.abort(new Error("The plugin invocation ended"));
      if (!this.engine.poisoned && !this.engine.exhausted) for (const deferred of this.unsettled) deferred.dispose();
      this.context.dispose();
    }
  }

  private async execute(deadline: Promise<Wake>, aborted: Promise<Wake>): Promise<PluginOutcome> {
    const pc = this.context;
    const { ctx } = pc;
    const args = buildArgs(pc, this.call, this.api, this.limits);
    if ("tooLarge" in args) {
      return this.fail(
        E.memoryLimit,
        `The call's params and input (${args.tooLarge} bytes of JSON) are too large for the ${this.limits.memoryBytes}-byte memory limit`,
      );
    }
    if ("thrown" in args) return this.stopped(args, E.engineFailure);
    this.engine.runtime.setMemoryLimit(this.limits.memoryBytes);
    const loaded = pc.load();
    if (!("exports" in loaded)) return this.stopped(loaded, E.invalidSource);
    const fn = pc.own(ctx.getProp(loaded.exports, this.call.node));
    if (ctx.typeof(fn) !== "function") {
      return this.fail(E.nodeMissing, `The plugin's source has no exported function ${this.call.node}`);
    }
    const returned = pc.call(fn, ctx.undefined, args);
    if ("thrown" in returned) return this.stopped(pc.stopOr(returned));
    // A plain function's value, or a thenable, becomes a promise like an async function's.
    const settled = pc.call(pc.intrinsics.promiseResolve, pc.intrinsics.promise, returned.value);
    if ("thrown" in settled) return this.stopped(pc.stopOr(settled));
    const promise = settled.value;

    for (;;) {
      const stop = pc.drain();
      if (stop) return this.stopped(stop);
      if (this.fatal) return { ok: false, error: this.fatal, logs: this.logLines() };
      const state = ctx.getPromiseState(promise);
      if (state.type === "fulfilled") return this.finish(pc.own(state.value));
      if (state.type === "rejected") return this.stopped({ thrown: pc.own(state.error) });
      if (this.inflight.size === 0) {
        return this.fail(E.timeout, "The plugin awaits a promise that nothing can settle (there is no host call in flight)");
      }
      const wake = await Promise.race([...this.inflight, deadline, aborted]);
      if (wake === "deadline") return this.fail(E.timeout, `The plugin ran longer than its ${this.limits.wallTimeMs} ms wall-time limit`);
      if (wake === "aborted") return this.fail(E.aborted, "The invocation was cancelled");
      wake();
    }
  }

  private readonly api: ApiHost = {
    log: (level, message) => void this.logs.push(level, message),
    fetch: (request) => this.hostFetch(request),
  };

  private hostFetch(request: PluginRequest): QuickJSHandle {
    const { ctx } = this.context;
    if (++this.httpCalls > this.limits.maxHttpCalls) {
      this.fatal ??= failure(E.httpLimit, `The plugin made more than ${this.limits.maxHttpCalls} HTTP calls`);
      this.engine.stop();
      throw new Error(this.fatal.message);
    }
    const deferred = ctx.newPromise();
    this.unsettled.add(deferred);
    const left = this.deadline - Date.now();
    const options = {
      timeoutMs: Math.max(1, Math.min(this.limits.httpTimeoutMs, left)),
      maxBytes: this.limits.httpResponseBytes,
      signal: AbortSignal.any([this.calls.signal, this.host.signal]),
    };
    const task: Promise<Completion> = pluginFetch(this.host.http, request, options).then((result) => () => {
      this.inflight.delete(task);
      this.settle(deferred, result.ok ? result.answer : result.error);
    });
    this.inflight.add(task);
    return deferred.handle.dup();
  }

  private settle(deferred: QuickJSDeferredPromise, result: PluginAnswer | PluginHttpError): void {
    const { ctx } = this.context;
    this.unsettled.delete(deferred);
    if ("status" in result) {
      deferred.resolve(answerObject(this.context, result));
    } else {
      const error = this.context.own(ctx.newError({ name: "HttpError", message: result.message }));
      ctx.setProp(error, "code", this.context.own(ctx.newString(result.code)));
      ctx.setProp(error, "retryable", result.retryable ? ctx.true : ctx.false);
      deferred.reject(error);
    }
    deferred.dispose();
  }

  private finish(value: QuickJSHandle): PluginOutcome {
    const pc = this.context;
    const { ctx } = pc;
    const tooLarge = () => this.fail(E.outputLimit, `The result exceeds the ${this.limits.outputBytes}-byte output limit`);
    const serialised = pc.call(pc.intrinsics.stringify, ctx.undefined, value);
    if ("thrown" in serialised) {
      const stop = this.stopped(pc.stopOr(serialised));
      // Serialising ran out of heap: that is an oversized result, not a runaway plugin.
      return !stop.ok && stop.error.code === E.memoryLimit ? tooLarge() : stop;
    }
    const json = serialised.value;
    // undefined (nothing returned) has no JSON: it reaches readNodeResult as null and is refused there.
    if (ctx.typeof(json) !== "string") return this.result(null);
    // UTF-16 length is a lower bound on UTF-8 bytes: refuse without copying when it already exceeds the cap.
    if ((ctx.getLength(json) ?? 0) > this.limits.outputBytes) return tooLarge();
    const text = ctx.getString(json);
    if (utf8Length(text) > this.limits.outputBytes) return tooLarge();
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch {
      // Only a failed copy out of an exhausted heap produces unparsable text here.
      this.engine.poisoned = true;
      return this.fail(E.memoryLimit, this.memoryMessage());
    }
    return this.result(parsed);
  }

  private result(value: JsonValue): PluginOutcome {
    const result = readNodeResult(value);
    return result.ok
      ? { ok: true, output: result.output, action: result.action, logs: this.logLines() }
      : { ok: false, error: result.error, logs: this.logLines() };
  }

  /** The outcome for a stop; `thrownCode` replaces plugin_error for errors outside the node function. */
  private stopped(stop: Stop, thrownCode?: string): PluginOutcome {
    if (this.fatal) return { ok: false, error: this.fatal, logs: this.logLines() };
    if ("outOfBudget" in stop)
      return this.fail(E.cpuLimit, `The plugin exceeded its instruction budget of ${this.limits.instructionBudget} ticks (endless loop?)`);
    if ("tooManyJobs" in stop) return this.fail(E.cpuLimit, `The plugin ran more than ${this.limits.maxJobs} promise jobs`);
    if ("stopped" in stop) return this.fail(E.engineFailure, "The plugin was stopped");
    const info = this.context.describe(stop.thrown);
    if (this.engine.outOfBudget) return this.stopped({ outOfBudget: true });
    if (!info) return this.fail(E.thrown, "Uncaught (an exception that could not be described)");
    if (isMemoryError(info)) {
      this.engine.poisoned = true;
      return this.fail(E.memoryLimit, this.memoryMessage());
    }
    const error = thrownFailure(info);
    if (thrownCode && error.code === E.thrown) error.code = thrownCode;
    return { ok: false, error, logs: this.logLines() };
  }

  private memoryMessage(): string {
    return `The plugin exhausted its heap (memory limit ${this.limits.memoryBytes} bytes)`;
  }

  private fail(code: string, message: string): PluginOutcome {
    return { ok: false, error: failure(code, message), logs: this.logLines() };
  }

  private logLines(): PluginLog[] {
    return this.logs.lines.map((line) => ({ level: line.level === "log" ? "info" : line.level, message: line.message }));
  }
}
