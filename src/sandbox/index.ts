import variant from "@jitl/quickjs-wasmfile-release-sync";
import wasmModule from "@jitl/quickjs-wasmfile-release-sync/wasm";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import { createSandbox } from "./sandbox";
import type { SandboxPool } from "./types";

export { createSandbox, type ModuleFactory } from "./sandbox";
export * from "./types";

const WASM_PAGE = 64 * 1024;
const INITIAL_PAGES = 256; // the variant's declared minimum (16 MiB)

/**
 * Importing the .wasm as a module (instead of letting emscripten fetch or read it) is what makes the
 * variant load in workerd, where there is no file system and runtime code loading is not allowed.
 * Each instance gets its own memory, allocated at its maximum from the start: that fixed size is the
 * real heap limit, and it makes any attempt to grow a sign of exhaustion (see QuickJSEngine).
 */
export function newBoundedModule(maxMemoryBytes: number): Promise<QuickJSWASMModule> {
  const pages = Math.max(INITIAL_PAGES, Math.ceil(maxMemoryBytes / WASM_PAGE));
  const wasmMemory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory }));
}

let sandbox: SandboxPool | undefined;

/** The isolate's sandbox: built on first use, then shared (see SandboxPool for which calls share a context). */
export function getSandbox(): Promise<SandboxPool> {
  sandbox ??= createSandbox(newBoundedModule);
  return Promise.resolve(sandbox);
}
