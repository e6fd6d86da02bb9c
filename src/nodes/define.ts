import type { NodeOutcome } from "../engine/outcome";
import type { NodeTypeSpec } from "../flow/node-types/spec";
import type { JsonValue } from "../lib/json";
import type { NodeContext, NodeType } from "./types";

export interface NodeImplementation<P> {
  spec: NodeTypeSpec<P>;
  /** A constant, or a function of the resolved params; true when absent (assume the call is seen outside). */
  sideEffects?: boolean | ((params: P) => boolean);
  run(ctx: NodeContext<P>): Promise<NodeOutcome>;
}

/**
 * Joins a node type's declaration (src/nodes/<type>/spec.ts) and its implementation. `run` gets
 * `ctx.params` typed by the declaration's schema.
 *
 * @example
 * export const delayNode = defineNode({
 *   spec: delay,
 *   sideEffects: false,
 *   run: async (ctx) => ({ kind: "sleep", until: ctx.now() + ctx.params.duration, action: "default", output: ctx.input }),
 * });
 */
export function defineNode<P>(implementation: NodeImplementation<P>): NodeType<P> {
  const { sideEffects = true } = implementation;
  return {
    spec: implementation.spec,
    sideEffects: typeof sideEffects === "function" ? sideEffects : () => sideEffects,
    run: implementation.run,
  };
}

/** The outcome of a node that finished with `output`. */
export const done = (output: JsonValue, action = "default"): NodeOutcome => ({ kind: "done", action, output });
