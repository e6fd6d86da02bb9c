import type { ExecutionEvent, StepRecord } from "../../../src/engine/types";

/** A flow's YAML from its nodes (JSON is YAML): `extra` adds top-level keys such as `timeout`. */
export const flow = (nodes: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ metadata: { name: "engine test" }, ...extra, nodes });

/** The node of each step record, in order, with its status. */
export const trail = (steps: StepRecord[]): string[] => steps.map((s) => `${s.node_id}:${s.status}`);

export const eventsOf = (events: ExecutionEvent[], type: string): ExecutionEvent[] => events.filter((e) => e.type === type);

/** A step-ending script that returns the given JavaScript expression. */
export const transform = (expression: string, next?: Record<string, string | string[]>, extra: Record<string, unknown> = {}) => ({
  type: "transform",
  params: { script: `return ${expression}` },
  ...(next ? { next } : {}),
  ...extra,
});
