/**
 * One plugin context: a fresh QuickJS context on an engine, the intrinsics the host uses captured
 * before any plugin code runs, and the plugin's module evaluated in it. Shared by an invocation and
 * by an upload's check. Everything the host does inside the context goes through the FFI, not
 * through JavaScript it would have to parse on every call.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { analyse } from "../../sandbox/source";
import { DESCRIBE_FILENAME, DESCRIBE_SOURCE } from "./describe";
import type { PluginEngine } from "./engine";
import { PLUGIN_FILENAME, type ThrownInfo } from "./errors";

export interface Intrinsics {
  stringify: QuickJSHandle;
  parse: QuickJSHandle;
  freeze: QuickJSHandle;
  keys: QuickJSHandle;
  promise: QuickJSHandle;
  promiseResolve: QuickJSHandle;
  toStr: QuickJSHandle;
  slice: QuickJSHandle;
}

/** Why plugin code stopped: a value it threw, the budget, too many jobs, or a host-side limit. */
export type Stop = { thrown: QuickJSHandle } | { outOfBudget: true } | { tooManyJobs: true } | { stopped: true };

export type Called = { value: QuickJSHandle } | { thrown: QuickJSHandle };

export class PluginContext {
  readonly ctx: QuickJSContext;
  readonly intrinsics: Intrinsics;
  jobs = 0;
  private readonly owned: QuickJSHandle[] = [];
  private describer: QuickJSHandle | undefined;

  constructor(
    readonly engine: PluginEngine,
    private readonly source: string,
    private readonly maxJobs: number,
  ) {
    // Built-ins the source cannot name are left out (see the sandbox's analyse): a context costs less.
    // Promise is always there: the host wraps every node function's result in one.
    const { intrinsics } = analyse(source);
    const ctx = (this.ctx = engine.runtime.newContext(intrinsics ? { intrinsics: { ...intrinsics, Promise: true } } : undefined));
    const global = (name: string) => this.own(ctx.getProp(ctx.global, name));
    const json = global("JSON");
    const object = global("Object");
    const promise = global("Promise");
    const string = global("String");
    this.intrinsics = {
      stringify: this.own(ctx.getProp(json, "stringify")),
      parse: this.own(ctx.getProp(json, "parse")),
      freeze: this.own(ctx.getProp(object, "freeze")),
      keys: this.own(ctx.getProp(object, "keys")),
      promise,
      promiseResolve: this.own(ctx.getProp(promise, "resolve")),
      toStr: string,
      slice: this.own(ctx.getProp(this.own(ctx.getProp(string, "prototype")), "slice")),
    };
  }

  own<H extends QuickJSHandle>(handle: H): H {
    this.owned.push(handle);
    return handle;
  }

  /** Call a function inside the context; the result is owned by the context. */
  call(fn: QuickJSHandle, thisArg: QuickJSHandle, ...args: QuickJSHandle[]): Called {
    const result = this.ctx.callFunction(fn, thisArg, ...args);
    if (result.error) return { thrown: this.own(result.error) };
    return { value: this.own(result.value) };
  }

  /** A string's text, cut to `maxChars` inside the context so that a huge string is never copied out whole. */
  text(handle: QuickJSHandle, maxChars: number): string {
    const { ctx } = this;
    if ((ctx.getLength(handle) ?? 0) <= maxChars) return ctx.getString(handle);
    const cut = this.call(this.intrinsics.slice, handle, this.own(ctx.newNumber(0)), this.own(ctx.newNumber(maxChars)));
    return "value" in cut ? ctx.getString(cut.value) : "";
  }

  /** Evaluate the plugin as a module (top-level await allowed) and return its namespace. */
  load(): { exports: QuickJSHandle } | Stop {
    const { ctx } = this;
    const evaluated = ctx.evalCode(this.source, PLUGIN_FILENAME, { type: "module" });
    if (evaluated.error) return this.stopOr({ thrown: this.own(evaluated.error) });
    const value = this.own(evaluated.value);
    const drained = this.drain();
    if (drained) return drained;
    const state = ctx.getPromiseState(value);
    if (state.type === "fulfilled") return { exports: state.notAPromise ? value : this.own(state.value) };
    if (state.type === "rejected") return { thrown: this.own(state.error) };
    // Top-level code awaited something only a node function's host calls could settle.
    return { thrown: this.own(ctx.newError("The module's top-level code awaits a promise that never settles")) };
  }

  /** Names and `typeof` of a module namespace's exports. */
  exportsOf(namespace: QuickJSHandle): [string, string][] | Stop {
    const { ctx } = this;
    const names = this.call(this.intrinsics.keys, ctx.undefined, namespace);
    if ("thrown" in names) return this.stopOr(names);
    const count = ctx.getLength(names.value) ?? 0;
    const out: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      const name = ctx.getString(this.own(ctx.getProp(names.value, i)));
      out.push([name, ctx.typeof(this.own(ctx.getProp(namespace, name)))]);
    }
    return out;
  }

  /** Run queued promise jobs, counting them against the invocation's cap. */
  drain(): Stop | undefined {
    const rt = this.engine.runtime;
    while (rt.hasPendingJob()) {
      if (this.jobs >= this.maxJobs) return { tooManyJobs: true };
      const result = rt.executePendingJobs(Math.min(1_000, this.maxJobs - this.jobs));
      if (result.error) return this.stopOr({ thrown: this.own(result.error) });
      this.jobs += result.value;
    }
    return undefined;
  }

  /** An interrupt surfaces as a thrown InternalError: report it as what caused it. */
  stopOr(stop: Stop): Stop {
    if (this.engine.outOfBudget) return { outOfBudget: true };
    if (this.engine.stopping) return { stopped: true };
    return stop;
  }

  /** Read a thrown value; undefined if even that failed (budget, heap). */
  describe(thrown: QuickJSHandle): ThrownInfo | undefined {
    const { ctx } = this;
    // Lift the single-allocation cap so an out-of-memory error can still be read; the wasm size stays.
    this.engine.runtime.setMemoryLimit(-1);
    if (!this.describer) {
      const factory = ctx.evalCode(DESCRIBE_SOURCE, DESCRIBE_FILENAME);
      if (factory.error) return void this.own(factory.error);
      const made = this.call(this.own(factory.value), ctx.undefined, this.intrinsics.stringify, this.intrinsics.toStr);
      if ("thrown" in made) return undefined;
      this.describer = made.value;
    }
    const result = this.call(this.describer, ctx.undefined, thrown);
    if ("thrown" in result || ctx.typeof(result.value) !== "string") return undefined;
    try {
      return JSON.parse(ctx.getString(result.value)) as ThrownInfo;
    } catch {
      // The copy out of an exhausted heap failed: the error is almost certainly memory.
      return { name: "InternalError", message: "out of memory" };
    }
  }

  /** Free the context, unless the engine is poisoned (freeing may then trap; the instance goes whole). */
  dispose(): void {
    if (this.engine.poisoned || this.engine.exhausted) return;
    this.engine.runtime.setMemoryLimit(-1);
    for (const handle of this.owned) if (handle.alive) handle.dispose();
    this.ctx.dispose();
  }
}
