/**
 * Plugin node types for the runs of one execution object: the plugin a run pinned (or, for a run
 * started without pins, the newest), loaded once per object and version, and the adapter node
 * over it with the invoker of its kind.
 */
import { NodeError } from "../../engine/outcome";
import { pluginOfType } from "../../flow";
import type { AvailablePlugin } from "../../plugins/catalog";
import type { PluginDirectory } from "../../plugins/directory";
import type { NodeType } from "../types";
import { pluginNodeType, type PluginInvoker } from "./node";

export interface PluginNodes {
  /** The node of a plugin type for a run with these pins; undefined for a type that is not a plugin's. */
  node(accountId: string, type: string, pins: Readonly<Record<string, number>> | undefined): Promise<NodeType | undefined>;
}

export function pluginNodes(directory: PluginDirectory, invoke: PluginInvoker): PluginNodes {
  // Stored versions never change, so what was loaded serves every later step of the object's runs.
  // Service plugins (version 0) are described again by the directory's own short-lived cache.
  const loaded = new Map<string, Promise<AvailablePlugin | null>>();
  const nodes = new Map<string, NodeType>();
  return {
    async node(accountId, type, pins) {
      const name = pluginOfType(type);
      if (name === undefined) return undefined;
      const version = pins?.[name];
      const key = `${accountId}\u0000${name}\u0000${version ?? "newest"}`;
      let pending = version === undefined || version === 0 ? undefined : loaded.get(key);
      if (!pending) {
        pending = directory.pinned(accountId, name, version);
        if (version !== undefined && version !== 0) loaded.set(key, pending);
      }
      let plugin: AvailablePlugin | null;
      try {
        plugin = await pending;
      } catch (error) {
        loaded.delete(key);
        throw new NodeError("plugin_unavailable", `Loading plugin '${name}' failed: ${(error as Error).message}`, null, true);
      }
      if (!plugin) {
        const which = version === undefined ? "" : version === 0 ? " (an operator's plugin)" : ` version ${version}`;
        throw new NodeError(
          "plugin_not_found",
          `Plugin '${name}'${which} is not available to this account any more`,
          { plugin: name },
          false,
        );
      }
      const node = type.slice(name.length + 1);
      const nodeKey = `${key}\u0000${plugin.version}\u0000${plugin.manifest.version}\u0000${node}`;
      let made = nodes.get(nodeKey);
      if (!made) {
        if (!plugin.manifest.nodes[node]) {
          throw new NodeError(
            "unknown_node_type",
            `Plugin '${name}' version ${plugin.version} has no node type '${node}'`,
            { plugin: name },
            false,
          );
        }
        made = pluginNodeType(plugin, node, invoke) as unknown as NodeType;
        nodes.set(nodeKey, made);
      }
      return made;
    },
  };
}
