/**
 * Service-binding plugins: an operator's Worker with a `WorkerEntrypoint` exposing
 * `describe()` → manifest and `run(type, params, input, execution)` → `{output, action?}` or
 * `{error}`, bound to this Worker in wrangler.toml under a name starting with `PLUGIN_`
 * (`[[services]] binding = "PLUGIN_TICKETS"`). Every account may use it, unless a var
 * `<BINDING>_ACCOUNTS` (`PLUGIN_TICKETS_ACCOUNTS = "acc_1,acc_2"`) lists the ones that may.
 * The binding is an RPC stub: plain objects in, plain objects out, nothing Workers-specific here.
 */
import { isRecord, type JsonValue } from "../lib/json";
import { protocolError, readAnswer } from "./answer";
import { pluginManifestSchema, type PluginCall, type PluginManifest, type PluginOutcome } from "./contract";

export const SERVICE_BINDING_PREFIX = "PLUGIN_";
/** How long a describe() answer is trusted before it is asked again (the operator may redeploy). */
const DESCRIBE_TTL_MS = 60_000;

export interface PluginEntrypoint {
  describe(): Promise<unknown>;
  run(type: string, params: Record<string, JsonValue>, input: JsonValue, execution: PluginCall["execution"]): Promise<unknown>;
}

export interface ServicePluginBinding {
  binding: string;
  /** Accounts that may use it; null for all. */
  accounts: ReadonlySet<string> | null;
  entry: PluginEntrypoint;
}

export type DescribedService =
  { ok: true; binding: ServicePluginBinding; manifest: PluginManifest } | { ok: false; binding: string; problem: string };

/** The service-binding plugins among the Worker's bindings. */
export function servicePluginBindings(env: Readonly<Record<string, unknown>>): ServicePluginBinding[] {
  const found: ServicePluginBinding[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(SERVICE_BINDING_PREFIX) || value === null || (typeof value !== "object" && typeof value !== "function")) continue;
    const listed = env[`${name}_ACCOUNTS`];
    const accounts =
      typeof listed === "string" && listed.trim() !== ""
        ? new Set(
            listed
              .split(",")
              .map((id) => id.trim())
              .filter(Boolean),
          )
        : null;
    found.push({ binding: name, accounts, entry: value as PluginEntrypoint });
  }
  return found.sort((a, b) => (a.binding < b.binding ? -1 : 1));
}

const described = new Map<string, { at: number; manifest: PluginManifest }>();

/** The binding's manifest, asked at most once a minute per isolate. Never throws. */
export async function describeService(binding: ServicePluginBinding, now = Date.now()): Promise<DescribedService> {
  const cached = described.get(binding.binding);
  // Only the manifest is kept: the binding used is always the caller's own.
  if (cached && now - cached.at < DESCRIBE_TTL_MS) return { ok: true, binding, manifest: cached.manifest };
  let result: DescribedService;
  try {
    const parsed = pluginManifestSchema.safeParse(await binding.entry.describe());
    result = parsed.success
      ? { ok: true, binding, manifest: parsed.data }
      : {
          ok: false,
          binding: binding.binding,
          problem: `describe() returned an invalid manifest: ${parsed.error.issues[0]?.message ?? "unknown"}`,
        };
  } catch (error) {
    result = { ok: false, binding: binding.binding, problem: `describe() failed: ${(error as Error).message}` };
  }
  // A failure is asked again next time: the Worker may be deploying.
  if (result.ok) described.set(binding.binding, { at: now, manifest: result.manifest });
  return result;
}

/** One call; never throws. */
export async function callServicePlugin(entry: PluginEntrypoint, manifest: PluginManifest, call: PluginCall): Promise<PluginOutcome> {
  let answer: unknown;
  try {
    answer = await entry.run(`${manifest.name}.${call.node}`, call.params, call.input, call.execution);
  } catch (error) {
    // An exception inside the plugin Worker, or the binding being unreachable: worth another try.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: { code: "plugin_unavailable", message: `The plugin's Worker failed: ${message}`, retryable: true },
      logs: [],
    };
  }
  if (!isRecord(answer)) return protocolError("The plugin's Worker answered something other than an object");
  return readAnswer(answer);
}
