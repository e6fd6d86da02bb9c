/**
 * The shape of a flow as a picture: nodes, edges labelled with their action, and the triggers that
 * start it. Derived from the validated definition, so an editor or the dashboard draws exactly the
 * graph the engine will follow, without re-reading the YAML's rules of its own.
 */
import type { FlowDefinition } from "./types";
import type { TriggerDefinition } from "./triggers";

export interface FlowGraphView {
  start: string;
  nodes: { id: string; type: string }[];
  /** One per target of an action; `action` is `default`, `error` or a node's own action name. */
  edges: { from: string; to: string; action: string }[];
  triggers: { id: string; type: string; enabled: boolean; summary: string }[];
}

export function graphView(flow: FlowDefinition): FlowGraphView {
  const nodes = Object.entries(flow.nodes).map(([id, node]) => ({ id, type: node.type }));
  const edges = Object.entries(flow.nodes).flatMap(([from, node]) =>
    Object.entries(node.next).flatMap(([action, targets]) => targets.map((to) => ({ from, to, action }))),
  );
  const triggers = (flow.triggers ?? []).map((trigger) => ({
    id: trigger.id,
    type: trigger.type,
    enabled: trigger.enabled,
    summary: triggerSummary(trigger),
  }));
  return { start: flow.start, nodes, edges, triggers };
}

function triggerSummary(trigger: TriggerDefinition): string {
  switch (trigger.type) {
    case "cron":
      return `${trigger.cron} (${trigger.timezone})`;
    case "webhook":
      return `${trigger.methods.join(", ")}, verified by ${trigger.verify.scheme}`;
    case "flow":
      return `after ${trigger.flow_id} ${trigger.on.join(", ")}`;
    case "email":
      return trigger.address ?? "its own address";
  }
}
