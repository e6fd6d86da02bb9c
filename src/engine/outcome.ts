/**
 * What a step hands back to the engine: how the node finished (an outcome) or why it failed (a
 * NodeError). The engine owns these shapes; node implementations produce them.
 */
import type { JsonValue } from "../lib/json";

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * How a node finished. Waiting outcomes suspend the branch; the engine resumes it later. `shared`,
 * when present, is the run's new shared state (scripts and hooks may change it whatever the outcome).
 *
 * `wait_event` without `resume` finishes the step with the event's payload (the `wait` node). With
 * `resume`, the node paused inside its work (ctx.waitForEvent): the event, or its timeout, is kept as
 * the sub-step `resume.key` and the same visit of the node runs again, replaying its sub-steps.
 */
export type NodeOutcome = (
  | { kind: "done"; action: string; output: JsonValue }
  | { kind: "sleep"; until: number; action: string; output: JsonValue }
  | { kind: "wait_event"; event: string; timeoutAt: number | null; resume?: EventResume }
  | { kind: "subflow"; flowId: string; input: JsonValue; version?: number; wait: boolean }
) & { shared?: JsonValue };

/** How a paused node visit continues: the sub-step its event is kept under, and what it shows while it waits. */
export type EventResume = {
  key: string;
  /** Shown in the waiting event and the execution's `waiting_for` (a tool call awaiting approval). */
  data?: JsonValue;
};

/** What a node that paused for an event is handed when it goes on. */
export type EventWaitResult = { received: true; payload: JsonValue } | { received: false; timed_out: true };

/**
 * A node failure with a stable code. `retryable: false` skips the node's retry policy. Matched by
 * `name` and `code`, never by class identity, which does not survive a Durable Object RPC.
 */
export class NodeError extends Error {
  override readonly name = "NodeError";
  constructor(
    readonly code: string,
    message: string,
    readonly details?: JsonValue,
    readonly retryable = true,
  ) {
    super(message);
  }
}

/** A failure as recorded on a step, a run, and in events. */
export interface StepError {
  code: string;
  message: string;
  node_id: string;
  details?: JsonValue;
}
