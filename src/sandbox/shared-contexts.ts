import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";

/**
 * Handles a call uses inside its context, captured before any user code ran there, so a script
 * cannot change how its result or error is read. Owned by the call for a fresh context, by the
 * shared context otherwise.
 */
export interface ContextTools {
  stringify: QuickJSHandle;
  parse: QuickJSHandle;
  reflectGet: QuickJSHandle;
  toStr: QuickJSHandle;
  errorCtor: QuickJSHandle;
  /** The inspect helper, compiled on first use (see inspect.ts). */
  inspect?: QuickJSHandle;
  /** Keeps a handle alive as long as the tools are. */
  keep: (handle: QuickJSHandle) => QuickJSHandle;
}

/** A locked-down context (see lockdown.ts) with its tools and the function that clears a call's globals. */
export interface SharedContext {
  ctx: QuickJSContext;
  tools: ContextTools;
  reset: QuickJSHandle;
  /**
   * Compiled wrappers by source code, most recently used last: parsing is most of a short call's
   * remaining cost (a 100-character script: ≈ 65 µs to evaluate, ≈ 8 µs to call compiled).
   */
  functions: Map<string, QuickJSHandle>;
  /** Characters of source behind `functions`: the cache is bounded by size, as bytecode grows with it. */
  compiledChars: number;
  /** Frees every handle and the context. */
  dispose: () => void;
}

/**
 * Whether a script is small enough to keep compiled. A larger one is parsed on each call, as in a
 * fresh context: its parse is a smaller share of its run, and its bytecode would crowd the heap
 * the account's scripts share with their data.
 */
export function keepsCompiled(code: string): boolean {
  return code.length <= MAX_COMPILED_SCRIPT_CHARS;
}

/** The compiled wrapper for `code` (see keepsCompiled), compiling it on first use; an error handle if it does not compile. */
export function compiledFunction(
  shared: SharedContext,
  code: string,
  compile: () => { value: QuickJSHandle } | { error: QuickJSHandle },
): { value: QuickJSHandle } | { error: QuickJSHandle } {
  // The cached handle belongs to the context, never to the call: a call must not dispose it.
  const { functions } = shared;
  const found = functions.get(code);
  if (found) {
    functions.delete(code);
    functions.set(code, found);
    return { value: found };
  }
  const compiled = compile();
  if ("error" in compiled) return compiled;
  functions.set(code, compiled.value);
  shared.compiledChars += code.length;
  for (const [oldest, handle] of functions) {
    if (functions.size <= MAX_FUNCTIONS && shared.compiledChars <= MAX_COMPILED_CHARS) break;
    functions.delete(oldest);
    shared.compiledChars -= oldest.length;
    handle.dispose();
  }
  return compiled;
}

/**
 * A fresh context per call costs ≈ 0.1 ms (most of a short script's cost); a locked-down one costs
 * ≈ 5–7 ms to build once and ≈ 0.03 ms per call after. So a key (an account) gets a shared context
 * only after it has made `shareAfter` calls in this engine, which bounds what building one can
 * cost a key that then stops calling to about the price of the calls it already made.
 *
 * Kept per engine (one wasm instance): a dropped engine takes its contexts with it. At most
 * `MAX_CONTEXTS` (≈ 40 KB of the engine's heap each), least recently used first out.
 */
export class SharedContexts {
  private readonly contexts = new Map<string, SharedContext>();
  private readonly calls = new Map<string, number>();
  /** How many contexts were built: each build is a cost the tally is meant to bound. */
  built = 0;

  constructor(private readonly shareAfter: number) {}

  /** The key's context, if it has one; counts the call otherwise and says whether one should be built. */
  take(key: string): SharedContext | "build" | undefined {
    const found = this.contexts.get(key);
    if (found) {
      this.contexts.delete(key); // re-insert: Map order is our LRU order
      this.contexts.set(key, found);
      return found;
    }
    const count = (this.calls.get(key) ?? 0) + 1;
    // A bounded tally: forgetting every count now and then only delays a context, never shares one early.
    if (this.calls.size >= MAX_TALLIES) this.calls.clear();
    this.calls.set(key, count);
    return count > this.shareAfter ? "build" : undefined;
  }

  add(key: string, shared: SharedContext): void {
    this.built++;
    this.calls.delete(key);
    this.contexts.set(key, shared);
    for (const [oldest, context] of this.contexts) {
      if (this.contexts.size <= MAX_CONTEXTS) break;
      this.contexts.delete(oldest);
      context.dispose();
    }
  }

  /** How many contexts are kept now. */
  get live(): number {
    return this.contexts.size;
  }

  /** Compiled scripts kept, and their source's size, over all contexts. */
  get compiled(): { scripts: number; chars: number } {
    let scripts = 0;
    let chars = 0;
    for (const context of this.contexts.values()) {
      scripts += context.functions.size;
      chars += context.compiledChars;
    }
    return { scripts, chars };
  }

  /** Drops the key's context: it can no longer be trusted to start clean. */
  discard(key: string): void {
    const context = this.contexts.get(key);
    this.contexts.delete(key);
    context?.dispose();
  }
}

const MAX_CONTEXTS = 8;
const MAX_FUNCTIONS = 64;
// QuickJS bytecode takes a few times its source: 64 KB of source per context, 8 contexts per engine,
// stays within the megabyte or two the engine's overhead leaves spare.
const MAX_COMPILED_SCRIPT_CHARS = 8 * 1024;
const MAX_COMPILED_CHARS = 64 * 1024;
const MAX_TALLIES = 1000;
