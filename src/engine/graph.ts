import type { FlowDefinition } from "../flow";

/**
 * The targets a node's action leads to: the edge for that action, else the
 * `default` edge, else nothing (the branch ends). `error` never falls back to
 * `default`, because an unhandled failure must fail the run.
 */
export function targetsFor(flow: FlowDefinition, nodeId: string, action: string): string[] {
  const next = flow.nodes[nodeId]?.next ?? {};
  // Own properties only: an action named like an Object.prototype member must not find a function.
  const edge = (name: string) => (Object.hasOwn(next, name) ? next[name] : undefined);
  if (action === "error") return edge("error") ?? [];
  return edge(action) ?? edge("default") ?? [];
}

/** Number of distinct nodes with an edge into each node; joins are nodes with more than one. */
export function predecessorCounts(flow: FlowDefinition): Map<string, number> {
  const preds = new Map<string, Set<string>>();
  for (const [id, node] of Object.entries(flow.nodes)) {
    for (const targets of Object.values(node.next)) {
      for (const target of targets) {
        let set = preds.get(target);
        if (!set) preds.set(target, (set = new Set()));
        set.add(id);
      }
    }
  }
  return new Map([...preds].map(([id, set]) => [id, set.size]));
}

/** Whether `to` can be reached from `from` by following edges (a node reaches itself). */
export function canReach(flow: FlowDefinition, from: string, to: string): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    for (const targets of Object.values(flow.nodes[id]?.next ?? {})) {
      for (const t of targets) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
  }
  return false;
}
