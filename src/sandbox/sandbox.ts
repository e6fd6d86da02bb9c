import type { QuickJSWASMModule } from "quickjs-emscripten-core";
import { DEFAULT_SHARE_AFTER, QuickJSEngine } from "./engine";
import { type PreparedSource, prepareExpression, prepareScript } from "./source";
import type { JsonValue } from "../lib/json";
import { ENGINE_OVERHEAD_BYTES, resolveLimits, type Sandbox, type SandboxLimits, type SandboxResult, type SandboxPool } from "./types";

/**
 * Builds a fresh, independent QuickJS wasm instance whose linear memory can never grow past
 * `maxMemoryBytes` (a multiple of 64 KiB): that cap, not QuickJS's own accounting, is what bounds a
 * script's heap.
 */
export type ModuleFactory = (maxMemoryBytes: number) => Promise<QuickJSWASMModule>;

// One engine per memory cap in use; two cover "defaults plus one override" without letting a flow
// that varies its limits pile up wasm memories in a 128 MB isolate.
const MAX_ENGINES = 2;
// The variant declares 16 MiB of initial memory; a smaller maximum would fail to instantiate.
const MIN_WASM_BYTES = 16 * 1024 * 1024;

function isHostStackOverflow(fault: unknown): boolean {
  return fault instanceof RangeError || (fault instanceof Error && /call stack/i.test(fault.message));
}

/**
 * A Sandbox over replaceable engines. Engines are built lazily and shared by all calls in the
 * isolate; QuickJS runs synchronously, so calls never interleave inside one.
 *
 * When a wasm instance faults (a trap, or the host's native stack overflowing under deep QuickJS
 * recursion) or a script exhausted its heap, the instance is abandoned and the next call builds a new
 * one (a few ms). A call that meets a fault is retried once on a fresh instance, because the fault may
 * have been left behind by an earlier script rather than caused by this one.
 */
export function createSandbox(newModule: ModuleFactory, options: { shareAfter?: number } = {}): SandboxPool {
  const shareAfter = options.shareAfter ?? DEFAULT_SHARE_AFTER;
  // Only built engines are kept, never a load in progress: a load belongs to the request or object
  // that started it, and if that one is reset mid-load (a Durable Object's abort keeps the isolate
  // and this map) its promise never settles, so whoever awaited it next would hang. Two first calls
  // at once may each build an engine (a few ms, once); the later one is kept.
  const engines = new Map<number, QuickJSEngine>();

  const acquire = async (memoryBytes: number): Promise<QuickJSEngine> => {
    let engine = engines.get(memoryBytes);
    if (engine) {
      engines.delete(memoryBytes); // re-insert: Map order is our LRU order
    } else {
      const wasmBytes = Math.max(MIN_WASM_BYTES, memoryBytes + ENGINE_OVERHEAD_BYTES);
      engine = new QuickJSEngine(await newModule(wasmBytes), shareAfter);
    }
    engines.set(memoryBytes, engine);
    for (const key of engines.keys()) {
      if (engines.size <= MAX_ENGINES) break;
      engines.delete(key); // abandoned, not disposed: the wasm memory goes with the instance
    }
    return engine;
  };

  const drop = (memoryBytes: number, engine: QuickJSEngine | undefined): void => {
    if (engine && engines.get(memoryBytes) === engine) engines.delete(memoryBytes);
  };

  async function run(
    source: PreparedSource,
    scope: Record<string, JsonValue>,
    overrides: Partial<SandboxLimits> | undefined,
    shareKey?: string,
  ): Promise<SandboxResult> {
    const limits = resolveLimits(overrides);
    let lastFault: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      let engine: QuickJSEngine | undefined;
      try {
        engine = await acquire(limits.memoryBytes);
        const result = engine.execute(source, scope, limits, shareKey);
        if (engine.poisoned) drop(limits.memoryBytes, engine);
        return result;
      } catch (fault) {
        drop(limits.memoryBytes, engine);
        lastFault = fault;
        // Deep recursion overflows the host stack deterministically: running it again would only repeat that.
        if (isHostStackOverflow(fault))
          return { ok: false, error: { kind: "runtime", message: "InternalError: stack overflow" }, logs: [] };
      }
    }
    const detail = lastFault instanceof Error ? lastFault.message : String(lastFault);
    return { ok: false, error: { kind: "runtime", message: `Sandbox engine failure: ${detail}` }, logs: [] };
  }

  const bound = (shareKey?: string): Sandbox => ({
    runScript: (body, scope, limits) => run(prepareScript(body), scope, limits, shareKey),
    evalExpression: (expr, scope, limits) => run(prepareExpression(expr), scope, limits, shareKey),
  });
  return { ...bound(), forAccount: (accountId) => bound(accountId) };
}
