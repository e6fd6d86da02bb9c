/**
 * JavaScript plugins: a source file an account stores, one exported async function per node type of
 * its manifest, run in QuickJS with the limits of limits.ts. Reference: docs/plugins.md (JavaScript
 * plugins).
 */
import { newBoundedModule } from "../../sandbox";
import type { PluginCall, PluginManifest, PluginOutcome } from "../contract";
import type { JsPluginHost } from "./invocation";
import type { JsPluginLimits } from "./limits";
import { createJsPluginRuntime, type JsPluginProblem, type JsPluginRuntime } from "./runtime";

export { DEFAULT_JS_PLUGIN_LIMITS, resolveJsPluginLimits, type JsPluginLimits } from "./limits";
export { JS_PLUGIN_ERRORS } from "./errors";
export { createJsPluginRuntime, type JsPluginProblem, type JsPluginRuntime } from "./runtime";
export type { JsPluginHost } from "./invocation";

let runtime: JsPluginRuntime | undefined;

/** The isolate's runtime, built on first use; engines inside it are built lazily. */
function isolateRuntime(): JsPluginRuntime {
  runtime ??= createJsPluginRuntime(newBoundedModule);
  return runtime;
}

/** Call one node function of a plugin. Never throws. */
export function runJsPlugin(
  source: string,
  call: PluginCall,
  host: JsPluginHost,
  limits?: Partial<JsPluginLimits>,
): Promise<PluginOutcome> {
  return isolateRuntime().run(source, call, host, limits);
}

/** An upload's check: the source compiles, and exports exactly one function per declared node. */
export function checkJsPlugin(source: string, manifest: PluginManifest): Promise<JsPluginProblem[]> {
  return isolateRuntime().check(source, manifest);
}
