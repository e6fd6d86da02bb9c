/** The invoker of each plugin kind, for the adapter node. */
import type { AvailablePlugin } from "../../plugins/catalog";
import type { PluginCall, PluginOutcome } from "../../plugins/contract";
import { callHttpPlugin } from "../../plugins/http";
import { runJsPlugin } from "../../plugins/js";
import { callServicePlugin } from "../../plugins/service";
import type { PluginVersionRecord } from "../../storage/types";
import type { PluginInvoker } from "./node";

export interface PluginInvokerDeps {
  /** The plugin's signing secret, opened from the account's vault (HTTP plugins). */
  openSecret(record: PluginVersionRecord): Promise<string>;
  now(): number;
}

const failure = (code: string, message: string): PluginOutcome => ({ ok: false, error: { code, message, retryable: false }, logs: [] });

export function pluginInvoker(deps: PluginInvokerDeps): PluginInvoker {
  return async (plugin: AvailablePlugin, call: PluginCall, io): Promise<PluginOutcome> => {
    switch (plugin.kind) {
      case "service":
        return callServicePlugin(plugin.service.entry, plugin.manifest, call);
      case "http": {
        const { record } = plugin;
        if (record.url === null || record.secret_ciphertext === null)
          return failure("plugin_invalid", `Plugin '${plugin.name}' has no endpoint`);
        let secret: string;
        try {
          secret = await deps.openSecret(record);
        } catch {
          return failure("plugin_secret_unreadable", `The signing secret of plugin '${plugin.name}' cannot be opened`);
        }
        return callHttpPlugin({ url: record.url, secret, manifest: plugin.manifest }, call, io.http, io.signal, deps.now());
      }
      case "js":
        if (plugin.record.source === null) return failure("plugin_invalid", `Plugin '${plugin.name}' has no source`);
        return runJsPlugin(plugin.record.source, call, { http: io.http, signal: io.signal });
    }
  };
}
