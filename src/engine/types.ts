import type { FlowDefinition } from "../flow/types";
import type { EventResume, StepError } from "./outcome";
import type { JsonValue } from "../lib/json";
import type { Usage } from "./usage";

/** Every status a run can have: the one list the API, the storage index and the CLI use. */
export const EXECUTION_STATUSES = ["running", "waiting", "completed", "failed", "cancelled"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const FINAL_STATUSES: readonly ExecutionStatus[] = ["completed", "failed", "cancelled"];
export const isFinal = (s: ExecutionStatus) => FINAL_STATUSES.includes(s);
/** Every value the `trigger` of an execution starts with (before any `:<id>`); `?trigger_type=` filters by it. */
export const RUN_TRIGGER_TYPES = ["api", "cron", "webhook", "flow", "email", "subflow", "rerun", "mcp"] as const;

export interface ParentRef {
  execution_id: string;
  token_id: number;
}

/** The run itself: one per execution object. */
export interface ExecutionState {
  id: string;
  account_id: string;
  flow_id: string;
  flow_version: number;
  flow: FlowDefinition;
  input: JsonValue;
  status: ExecutionStatus;
  created_at: string;
  finished_at: string | null;
  output: JsonValue | null;
  error: StepError | null;
  shared: Record<string, JsonValue>;
  step_count: number;
  step_limit: number;
  parent: ParentRef | null;
  /** Outputs of the nodes where branches ended; the run's output is built from them. */
  ends: Record<string, JsonValue>;
  /** How many parent runs this one has (0 for a top-level run). */
  depth?: number;
  /** Where a re-run starts, when not the flow's start node. */
  start_node: string;
  trigger: string;
}

/**
 * A token is one branch's position in the graph. `ready` tokens run next;
 * the waiting states are resumed by a timer, an event or a child run.
 */
export type TokenState = TokenPosition["state"];

/** Where a branch is, and what it needs to resume: each waiting state carries its own `pending`. */
export type TokenPosition =
  | { state: "running" | "retry_wait" | "joining"; pending: null }
  /** `resume`: the node's visit paused inside its work and goes on now, in the same step record. */
  | { state: "ready"; pending: null | { resume: true } }
  /** The outcome to apply on wake. */
  | { state: "sleeping"; pending: { action: string; output: JsonValue } }
  /** `resume` when the node paused inside its work (ctx.waitForEvent) rather than finishing with the event. */
  | { state: "waiting_event"; pending: { event: string; resume?: EventResume } }
  /** `child` once the child run is known (it is started after the branch starts waiting). */
  | { state: "waiting_child"; pending: { child?: string } };

export interface TokenFields {
  node_id: string;
  input: JsonValue;
  /** 1 for the first attempt; a retry keeps the token (and its id) and counts up. */
  attempt: number;
  /** For `joining`: the node the branch came from. */
  from_node: string | null;
  /** The step row this token's current attempt wrote. */
  step_seq: number | null;
}

/** A token before the store numbered it. */
export type NewToken = TokenFields & TokenPosition;
export type Token = { id: number } & NewToken;

export type StepStatus = "running" | "completed" | "failed" | "retrying" | "waiting" | "cancelled";

export interface StepRecord {
  seq: number;
  token_id: number;
  node_id: string;
  attempt: number;
  status: StepStatus;
  action: string | null;
  input: JsonValue;
  output: JsonValue | null;
  error: StepError | null;
  started_at: string;
  finished_at: string | null;
  /** What the step's node reported consuming (ctx.addUsage), or null when it reported nothing. */
  usage: Usage | null;
}

export type EventType =
  | "execution.started"
  | "execution.waiting"
  | "execution.resumed"
  | "execution.completed"
  | "execution.failed"
  | "execution.cancelled"
  | "step.started"
  | "step.completed"
  | "step.failed"
  | "step.retrying"
  | "step.waiting"
  | "step.resumed"
  | "log";

export interface ExecutionEvent {
  seq: number;
  at: string;
  type: EventType;
  node_id: string | null;
  data: JsonValue;
}

/** A live-only event a node emitted (progress, token deltas), sent to a run's watchers and never stored. */
export interface EphemeralEvent {
  type: string;
  node_id: string;
  at: string;
  data: JsonValue;
}

export type TimerKind = "wake" | "retry" | "event_timeout" | "flow_timeout" | "yield";

export interface Timer {
  id: number;
  fire_at: number;
  kind: TimerKind;
  token_id: number | null;
}
