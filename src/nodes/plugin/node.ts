/**
 * The one adapter that runs every plugin node type: a NodeType built from the plugin's manifest, so
 * a plugin node gets the lifecycle of a built-in (templates, hooks, retries, batch, redaction). The
 * kind-specific part is a `PluginInvoker`; a failed PluginOutcome becomes a NodeError with the
 * plugin's code, retryable as the plugin says.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
import type { AvailablePlugin } from "../../plugins/catalog";
import type { PluginCall, PluginOutcome } from "../../plugins/contract";
import { pluginNodeSpec, type PluginParams } from "../../plugins/node-spec";
import { done } from "../define";
import type { NodeContext, NodeType } from "../types";

/** What a call may use: the node's outbound HTTP (address policy, deadline, byte cap) and its signal. */
export type PluginCallIo = Pick<NodeContext, "http" | "signal">;

/** Runs one call of a plugin of one kind; never throws for the plugin's own faults. */
export type PluginInvoker = (plugin: AvailablePlugin, call: PluginCall, io: PluginCallIo) => Promise<PluginOutcome>;

export function pluginNodeType(plugin: AvailablePlugin, node: string, invoke: PluginInvoker): NodeType<PluginParams> {
  const declared = plugin.manifest.nodes[node];
  if (!declared) throw new NodeError("unknown_node_type", `Plugin '${plugin.name}' has no node type '${node}'`, null, false);
  const spec = pluginNodeSpec(plugin.name, node, declared);
  const where: JsonValue = { plugin: plugin.name, version: plugin.version };
  return {
    spec,
    sideEffects: () => declared.side_effects,
    async run(ctx) {
      const call: PluginCall = {
        node,
        params: ctx.params as Record<string, JsonValue>,
        input: ctx.input,
        execution: {
          id: ctx.executionId,
          flow_id: ctx.flowId,
          node_id: ctx.nodeId,
          attempt: ctx.attempt,
          idempotency_key: ctx.idempotencyKey,
        },
      };
      const outcome = await invoke(plugin, call, ctx);
      // A node timeout or a cancelled run ends the call the way it ends any node's.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      for (const log of outcome.logs) ctx.log(log.level, `${spec.type}: ${log.message}`);
      if (!outcome.ok) throw new NodeError(outcome.error.code, outcome.error.message, where, outcome.error.retryable);
      // The flow's edges were checked against the declared actions: an undeclared one would lead nowhere.
      if (outcome.action !== "default" && !declared.actions.includes(outcome.action)) {
        throw new NodeError(
          "plugin_protocol_error",
          `${spec.type} finished with action '${outcome.action}', which its manifest does not declare`,
          where,
          false,
        );
      }
      return done(outcome.output, outcome.action);
    },
  };
}
