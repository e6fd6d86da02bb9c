/**
 * Whole-graph rules: every edge lands on a node, there is exactly one start,
 * every node can be reached, and edges name actions their node can finish
 * with. Only edges to existing nodes take part in start detection and
 * reachability, so one dangling edge gives one error, not three.
 */
import type { CheckedNode } from "./check-node";
import type { IssueSink } from "./issues";
import { UNIVERSAL_ACTIONS } from "./node-types";
import { didYouMean, kindOf, quoteList, suggestionBudget, type SuggestionBudget } from "./suggest";
import { INPUT_BUDGET } from "../input-budget";

/** Node ids of the flow, with the nodes that were well-formed enough to check. */
export interface Graph {
  ids: ReadonlySet<string>;
  nodes: ReadonlyMap<string, CheckedNode>;
}

/** Reports edges to missing nodes; true when there were none. */
function checkEdges({ ids, nodes }: Graph, sink: IssueSink, hints: SuggestionBudget): boolean {
  let sound = true;
  for (const node of nodes.values()) {
    for (const edge of node.edges) {
      if (ids.has(edge.target)) continue;
      const hint = didYouMean(edge.target, ids, hints);
      const message = `node '${node.id}' references non-existent node '${edge.target}' for action '${edge.action}'${hint}`;
      sink.error("dangling_edge", message, edge.path);
      sound = false;
    }
  }
  return sound;
}

function findStart(
  { ids, nodes }: Graph,
  rawStart: unknown,
  edgesSound: boolean,
  sink: IssueSink,
  hints: SuggestionBudget,
): string | undefined {
  if (rawStart !== undefined && rawStart !== null) {
    if (typeof rawStart !== "string" && typeof rawStart !== "number") {
      sink.error("unknown_start", `start must be a node id, got ${kindOf(rawStart)}`, ["start"]);
      return undefined;
    }
    const start = String(rawStart);
    if (ids.has(start)) return start;
    if (start.length > INPUT_BUDGET.idLength) {
      sink.overLimit("idLength", `start names a node id of ${start.length} characters; the limit is ${INPUT_BUDGET.idLength}`, ["start"]);
      return undefined;
    }
    sink.error("unknown_start", `start node '${start}' does not exist${didYouMean(start, ids, hints)}`, ["start"]);
    return undefined;
  }
  // A mistyped target leaves its intended node looking like a start node:
  // report the edge alone rather than a second, derived error.
  if (!edgesSound) return undefined;
  const targeted = new Set<string>();
  for (const node of nodes.values()) for (const edge of node.edges) targeted.add(edge.target);
  const candidates = [...ids].filter((id) => !targeted.has(id));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    const message = "no start node found: every node has an incoming edge (e.g. a pure cycle); set start: to the first node";
    sink.error("no_start_node", message, ["nodes"], "key");
  } else {
    const message = `multiple start nodes found: ${quoteList(candidates)} (no edge points to them); connect them or set start:`;
    sink.error("multiple_start_nodes", message, ["nodes"], "key");
  }
  return undefined;
}

function checkReachable({ ids, nodes }: Graph, start: string, sink: IssueSink): void {
  const reached = new Set([start]);
  const queue = [start];
  // An index, not shift(): shifting a long array moves every element.
  for (let next = 0; next < queue.length; next++) {
    for (const edge of nodes.get(queue[next]!)?.edges ?? []) {
      if (ids.has(edge.target) && !reached.has(edge.target)) {
        reached.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  for (const id of ids) {
    if (!reached.has(id)) sink.warn("unreachable_node", `node '${id}' is not reachable from start node '${start}'`, ["nodes", id], "key");
  }
}

/** Edges for actions the node never finishes with: they are never taken, usually a mistake. */
function checkActions({ nodes }: Graph, sink: IssueSink): void {
  for (const node of nodes.values()) {
    const { spec, definition } = node;
    // A post (or exec) hook may choose any action.
    if (!spec || definition.hooks?.post !== undefined || definition.hooks?.exec !== undefined) continue;
    const declared = spec.actionsFor?.(definition.params) ?? (spec.dynamicActions ? undefined : spec.actions);
    if (!declared) continue;
    const allowed = new Set([...declared, ...UNIVERSAL_ACTIONS]);
    for (const action of Object.keys(definition.next)) {
      if (allowed.has(action)) continue;
      const message =
        `node '${node.id}' (${spec.type}) has an edge for action '${action}', which it never finishes with ` +
        `(it finishes with ${quoteList([...allowed], "or")})${didYouMean(action, allowed)}; the edge is never taken`;
      sink.warn("unknown_action", message, ["nodes", node.id, "next", action], "key");
    }
  }
}

/** Runs the graph rules; returns the start node when there is exactly one. */
export function checkGraph(graph: Graph, rawStart: unknown, sink: IssueSink): string | undefined {
  // Node ids are the one candidate list a flow controls, so their hints share a budget.
  const hints = suggestionBudget();
  const edgesSound = checkEdges(graph, sink, hints);
  checkActions(graph, sink);
  const start = findStart(graph, rawStart, edgesSound, sink, hints);
  if (start !== undefined) checkReachable(graph, start, sink);
  return start;
}
