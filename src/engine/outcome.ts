/**
 * What a step hands back to the engine: how the node finished (an outcome) or why it failed (a
 * NodeError). The engine owns these shapes; node implementations produce them.
 */
import type { JsonValue } from "../lib/json";

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * How a node finished. Waiting outcomes suspend the branch; the engine resumes it later. `shared`,
 * when present, is the run's new shared state (scripts and hooks may change it whatever the outcome).
 */
export type NodeOutcome = (
  | { kind: "done"; action: string; output: JsonValue }
  | { kind: "sleep"; until: number; action: string; output: JsonValue }
  | { kind: "wait_event"; event: string; timeoutAt: number | null }
  | { kind: "subflow"; flowId: string; input: JsonValue; version?: number; wait: boolean }
) & { shared?: JsonValue };

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
