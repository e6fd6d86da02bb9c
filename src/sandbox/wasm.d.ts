// The variant's `/wasm` export is the raw .wasm file, imported as a compiled WebAssembly.Module
// (CompiledWasm). The Workers vitest pool does that on its own; wrangler needs a module rule for this
// specifier, because its default rule only matches specifiers ending in ".wasm" (see docs/expressions.md).
declare module "@jitl/quickjs-wasmfile-release-sync/wasm" {
  const wasmModule: WebAssembly.Module;
  export default wasmModule;
}
