/**
 * The node types the flow language knows. Each is declared next to its implementation
 * (src/nodes/<type>/spec.ts) and listed in src/nodes/specs.ts; validation, the JSON Schema and the
 * docs test all read from that list.
 */
import { NODE_SPECS as SPECS } from "../../nodes/specs";
import type { NodeTypeSpec } from "./spec";

export type { NodeTypeSpec, ParamProblem } from "./spec";

const BY_TYPE: ReadonlyMap<string, NodeTypeSpec> = new Map(SPECS.map((spec) => [spec.type, spec]));

/** Every declared node type, in documentation order. */
export const NODE_TYPES: readonly string[] = Object.freeze(SPECS.map((spec) => spec.type));

export function getNodeType(type: string): NodeTypeSpec | undefined {
  return BY_TYPE.get(type);
}

/** Actions every node may finish with, whatever its type. */
export const UNIVERSAL_ACTIONS: readonly string[] = ["default", "error"];

/**
 * Node types of the original's loader that are node *settings* here. They
 * get a migration hint instead of a bare "unknown type".
 */
export const LEGACY_TYPE_HINTS: Readonly<Record<string, string>> = {
  base: "the original loader's 'base' type is gone; use 'transform' for a pass-through step; retry is a setting of every node",
  batch: "batching is a node setting now: add batch: {strategy: serial} to a node of a real type",
  async_batch: "batching is a node setting now: add batch: {strategy: serial} to a node of a real type",
  parallel_batch: "batching is a node setting now: add batch: {strategy: parallel} to a node of a real type",
  worker_pool: "batching is a node setting now: add batch: {strategy: parallel, max_parallel: N} to a node of a real type",
};
