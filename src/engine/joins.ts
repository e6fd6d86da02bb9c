import type { JsonValue } from "../lib/json";
import type { EngineContext } from "./context";
import { canReach, targetsFor } from "./graph";
import type { Token } from "./types";

/** Moves a finished branch along its edge, fanning out or joining as the graph says. */
export function advance(ctx: EngineContext, token: Token, action: string, output: JsonValue): void {
  const state = ctx.run();
  const { store } = ctx.host;
  store.removeToken(token.id);
  const targets = targetsFor(state.flow, token.node_id, action);
  if (targets.length === 0) {
    state.ends[token.node_id] = output;
    store.save(state);
  }
  const predecessors = ctx.predecessors();
  for (const target of targets) {
    const joining = (predecessors.get(target) ?? 0) > 1;
    store.addToken({
      node_id: target,
      state: joining ? "joining" : "ready",
      input: output,
      attempt: 1,
      from_node: token.node_id,
      pending: null,
      step_seq: null,
    });
  }
  resolveJoins(ctx, false);
}

/**
 * A node reached by several branches runs once no other live branch can still reach it (or, with
 * `force`, at once: every live branch is parked at a join). Its input is the one arriving output,
 * or an object of outputs keyed by the node each came from.
 */
export function resolveJoins(ctx: EngineContext, force: boolean): void {
  const { store } = ctx.host;
  const flow = ctx.run().flow;
  const tokens = store.tokens();
  const byNode = new Map<string, Token[]>();
  for (const t of tokens) if (t.state === "joining") byNode.set(t.node_id, [...(byNode.get(t.node_id) ?? []), t]);
  for (const [nodeId, arrived] of byNode) {
    const blocked = !force && tokens.some((t) => !(t.state === "joining" && t.node_id === nodeId) && canReach(flow, t.node_id, nodeId));
    if (blocked) continue;
    for (const t of arrived) store.removeToken(t.id);
    const input: JsonValue =
      arrived.length === 1 ? arrived[0]!.input : Object.fromEntries(arrived.map((t) => [t.from_node ?? String(t.id), t.input]));
    store.addToken({ node_id: nodeId, state: "ready", input, attempt: 1, from_node: null, pending: null, step_seq: null });
  }
}
