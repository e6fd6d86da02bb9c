import type { LogLevel, NodeOutcome } from "../engine/outcome";
import type { JsonValue } from "../lib/json";
import type { Sandbox } from "../sandbox";

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
