import type { JsonValue, Sandbox } from "../sandbox";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** What a node sees while it runs. Everything is plain data or a web-standard capability. */
export interface NodeContext {
  executionId: string;
  flowId: string;
  accountId: string;
  nodeId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** `execution.id:node:attempt`; stable across a crash-retry of the same attempt. */
  idempotencyKey: string;
  input: JsonValue;
  /** Params after `${...}` templates were evaluated. */
  params: Record<string, JsonValue>;
  /** Aborted when the node times out or the run is cancelled. */
  signal: AbortSignal;
  fetch: typeof fetch;
  sandbox: Sandbox;
  /** The names scripts see (`input`, `results`, `shared`, `secrets`, `execution`, `params`). */
  scope(): Promise<Record<string, JsonValue>>;
  log(level: LogLevel, message: string, data?: JsonValue): void;
  now(): number;
}

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

export interface NodeImplementation {
  type: string;
  /**
   * Whether running the node twice would be seen outside the run (an HTTP
   * call, an email). The engine makes earlier progress durable before such a
   * node starts, so a crash never repeats a completed one.
   */
  sideEffects: boolean;
  run(ctx: NodeContext): Promise<NodeOutcome>;
}

/** A node failure with a stable code. `retryable: false` skips the node's retry policy. */
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

export interface StepError {
  code: string;
  message: string;
  node_id: string;
  details?: JsonValue;
}
