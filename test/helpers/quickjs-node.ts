/**
 * The sandbox outside workerd. Workers import the QuickJS .wasm as a compiled module (the variant's
 * `/wasm` export, see src/sandbox/index.ts); Node has no such import, so here the variant loads its
 * wasm the way emscripten does on Node (it reads the file next to its module). Deno runs this same
 * loader through its Node compatibility (test/deno/smoke.ts).
 */
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import { createSandbox, type ModuleFactory } from "../../src/sandbox/sandbox";
import type { Sandbox } from "../../src/sandbox/types";

const WASM_PAGE = 64 * 1024;
const INITIAL_PAGES = 256; // the variant's declared minimum (16 MiB)

/** Each instance gets its own memory, fixed at its maximum, as in workerd (see newBoundedModule). */
function boundedMemory(maxMemoryBytes: number): WebAssembly.Memory {
  const pages = Math.max(INITIAL_PAGES, Math.ceil(maxMemoryBytes / WASM_PAGE));
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}

/** Node: emscripten reads the .wasm itself. */
export const nodeModuleFactory: ModuleFactory = (maxMemoryBytes: number): Promise<QuickJSWASMModule> =>
  newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmMemory: boundedMemory(maxMemoryBytes) }));

let nodeSandbox: Sandbox | undefined;

/** One sandbox per test process, as one per isolate in workerd. */
export function getNodeSandbox(): Promise<Sandbox> {
  nodeSandbox ??= createSandbox(nodeModuleFactory);
  return Promise.resolve(nodeSandbox);
}
