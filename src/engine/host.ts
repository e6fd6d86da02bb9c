import type { NodeDefinition } from "../flow";
import type { LogLevel, NodeOutcome } from "./outcome";
import type { JsonValue } from "../lib/json";
import type { ExecutionStore } from "./store";
import type { ExecutionState, Token } from "./types";

/** One node attempt, as the engine hands it to the node lifecycle. */
export interface StepRequest {
  state: ExecutionState;
  token: Token;
  node: NodeDefinition;
  results: Record<string, JsonValue>;
  signal: AbortSignal;
  log(level: LogLevel, message: string, data?: JsonValue): void;
  now(): number;
  beforeEffect(): Promise<void>;
  memo: { get(key: string): { value: JsonValue } | undefined; put(key: string, value: JsonValue): void };
  emit(type: string, data: JsonValue): void;
  runChild(key: string, request: { flowId: string; input: JsonValue; version?: number }, signal: AbortSignal): Promise<ChildResult>;
}

export interface ChildResult {
  status: "completed" | "failed" | "cancelled";
  output: JsonValue | null;
  error: { code: string; message: string } | null;
}

/**
 * What the engine needs from the world. The execution object supplies the
 * Workers-backed version; tests can supply their own.
 */
export interface EngineHost {
  store: ExecutionStore;
  /** Runs one attempt of a node: templates, hooks, batch, the node itself. Throws NodeError on failure. */
  runStep(request: StepRequest): Promise<NodeOutcome>;
  /** Whether a node type has effects outside the run (see NodeImplementation.sideEffects). */
  hasSideEffects(type: string): boolean;
  /** Writes the execution's summary row; called at state transitions only. */
  onTransition(state: ExecutionState): Promise<void>;
  /**
   * Starts a child execution for a `flow` node and returns its id. A child
   * started with `wait` reports back through childFinished.
   */
  spawnChild(
    state: ExecutionState,
    token: Token,
    request: { flowId: string; input: JsonValue; version?: number; wait: boolean },
  ): Promise<string>;
  /** Cancels a child execution this run is waiting for. */
  cancelChild(id: string): Promise<void>;
  /** Tells the parent run, if any, that this run finished. */
  notifyParent(state: ExecutionState): Promise<void>;
  /** Arms the single alarm at `at`, or clears it with null. */
  setAlarm(at: number | null): Promise<void>;
  now(): number;
  random(): number;
}
