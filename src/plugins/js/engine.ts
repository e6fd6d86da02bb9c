/**
 * QuickJS engines for plugins. An invocation owns its engine for its whole life, awaits included,
 * because the instruction budget, the memory cap and the job queue belong to a runtime: two
 * invocations interleaving in one runtime would spend each other's budget and drain each other's
 * jobs. Engines are reused by later invocations (each gets a fresh context); one that ran out of
 * memory or faulted is abandoned whole, as in the sandbox (src/sandbox/engine.ts).
 */
import type { QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { refuseGrowth } from "../../sandbox/engine";
import type { ModuleFactory } from "../../sandbox/sandbox";
import { ENGINE_OVERHEAD_BYTES } from "../../sandbox/types";

export class PluginEngine {
  readonly runtime: QuickJSRuntime;
  /** Set after an exhausted heap or a fault: the instance must not be used again. */
  poisoned = false;
  /** A failed allocation happened during the current invocation (see QuickJSEngine). */
  exhausted = false;
  private ticks = 0;
  private budget = 0;
  private budgetSpent = false;
  private stopRequested = false;

  constructor(module: QuickJSWASMModule) {
    refuseGrowth(module, () => (this.exhausted = true));
    this.runtime = module.newRuntime();
    this.runtime.setInterruptHandler(() => {
      this.ticks++;
      if (this.ticks > this.budget) this.budgetSpent = true;
      return this.budgetSpent || this.stopRequested;
    });
  }

  /** Start an invocation: one budget for all of it, however many slices its awaits cut it into. */
  begin(instructionBudget: number, stackBytes: number): void {
    this.ticks = 0;
    this.budget = instructionBudget;
    this.budgetSpent = false;
    this.stopRequested = false;
    this.exhausted = false;
    this.runtime.setMemoryLimit(-1);
    this.runtime.setMaxStackSize(stackBytes);
  }

  /** Whether the instruction budget ran out. */
  get outOfBudget(): boolean {
    return this.budgetSpent;
  }

  /** Whether a host-side limit asked the running code to stop. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Interrupt the running code at its next poll (a host-side limit was hit). */
  stop(): void {
    this.stopRequested = true;
  }
}

// Engines kept idle between invocations. Each holds its whole wasm memory (24 MiB at the default
// limit) and the sandbox keeps two of its own in the same 128 MB isolate, so one is kept: calls of a
// run are mostly sequential, and a second engine costs a few ms to build.
const MAX_IDLE = 1;
// Invocations running at once in an isolate (parallel branches calling plugins); more wait for an
// engine, so they cannot pile up wasm memories past what the isolate holds.
const MAX_BUSY = 2;
// The variant declares 16 MiB of initial memory; a smaller maximum would fail to instantiate.
const MIN_WASM_BYTES = 16 * 1024 * 1024;

export interface EnginePool {
  /** Run `use` with an engine of that heap size to itself. */
  with<T>(memoryBytes: number, use: (engine: PluginEngine) => Promise<T>): Promise<T>;
}

export function createEnginePool(newModule: ModuleFactory): EnginePool {
  const idle: { memoryBytes: number; engine: PluginEngine }[] = [];
  const waiting: (() => void)[] = [];
  let busy = 0;

  const take = async (memoryBytes: number): Promise<PluginEngine> => {
    const at = idle.findIndex((entry) => entry.memoryBytes === memoryBytes);
    if (at >= 0) return idle.splice(at, 1)[0]!.engine;
    return new PluginEngine(await newModule(Math.max(MIN_WASM_BYTES, memoryBytes + ENGINE_OVERHEAD_BYTES)));
  };

  return {
    async with(memoryBytes, use) {
      while (busy >= MAX_BUSY) await new Promise<void>((resolve) => waiting.push(resolve));
      busy++;
      let engine: PluginEngine | undefined;
      try {
        engine = await take(memoryBytes);
        return await use(engine);
      } catch (fault) {
        // Whatever threw past the invocation's own handling left the engine in an unknown state.
        if (engine) engine.poisoned = true;
        throw fault;
      } finally {
        // Jobs left queued by an invocation a limit ended would run in the next one: such an engine goes too.
        if (engine && !engine.poisoned && !engine.runtime.hasPendingJob()) {
          idle.push({ memoryBytes, engine });
          // Abandoned, not disposed: the wasm memory goes with the instance.
          if (idle.length > MAX_IDLE) idle.shift();
        }
        busy--;
        waiting.shift()?.();
      }
    },
  };
}
