// The variant's `/wasm` export is the raw .wasm file; wrangler and the Workers vitest pool hand it to
// the module as a compiled WebAssembly.Module (CompiledWasm), which is what newVariant's wasmModule takes.
declare module "@jitl/quickjs-wasmfile-release-sync/wasm" {
  const wasmModule: WebAssembly.Module;
  export default wasmModule;
}
