/**
 * A run's graph colours, derived from its events alone (snapshot, replay, live): each node shows the
 * state of its latest step. Nodes that never ran have no entry and are drawn as pending.
 */
import type { StepStatus } from "../../../engine/types";
import type { NodeState } from "../graph-view";
import type { RunEvent } from "../../lib/live";

const STEP_STATES: Partial<Record<RunEvent["type"], NodeState>> = {
  "step.started": "running",
  "step.resumed": "running",
  "step.completed": "completed",
  "step.failed": "failed",
  "step.retrying": "retrying",
  "step.waiting": "waiting",
};

const UNFINISHED: readonly NodeState[] = ["running", "waiting", "retrying"];

/** Applies one event to `states` in place (callers copy once per batch, not per event). */
export function applyEvent(states: Record<string, NodeState>, event: RunEvent): void {
  const next = STEP_STATES[event.type];
  if (next && event.node_id) {
    states[event.node_id] = next;
    return;
  }
  // A cancel stops every branch; a failure stops the other branches, whose steps are recorded as cancelled.
  if (event.type === "execution.cancelled" || event.type === "execution.failed") {
    for (const [node, state] of Object.entries(states)) if (UNFINISHED.includes(state)) states[node] = "cancelled";
  }
}

// Every status a step record can have (the API types it as a string), each mapped.
const RECORD_STATES: Record<string, NodeState> = {
  running: "running",
  waiting: "waiting",
  completed: "completed",
  failed: "failed",
  retrying: "retrying",
  cancelled: "cancelled",
} satisfies Record<StepStatus, NodeState>;

/**
 * The same colours from the step records, for a run whose history is longer than the socket replays
 * (10,000 events): each node takes the status of its latest step.
 */
export function statesFromSteps(steps: readonly { node_id: string; status: string }[]): Record<string, NodeState> {
  const states: Record<string, NodeState> = {};
  for (const step of steps) states[step.node_id] = RECORD_STATES[step.status] ?? "pending";
  return states;
}
