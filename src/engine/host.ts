import type { NodeDefinition } from "../flow";
import type { LogLevel, NodeOutcome } from "./outcome";
import type { JsonValue } from "../lib/json";
import type { ExecutionStore } from "./store";
import type { ExecutionState, Token } from "./types";
import type { Usage } from "./usage";

/** What a child run is asked to do: a flow of the run's account, its input, optionally a pinned version. */
export interface ChildRequest {
  flowId: string;
  input: JsonValue;
  version?: number;
}

/** One node attempt, as the engine hands it to the node lifecycle. */
export interface StepRequest {
  state: ExecutionState;
  token: Token;
  node: NodeDefinition;
  results: Record<string, JsonValue>;
  /** Aborted on node timeout and when the run ends. */
  signal: AbortSignal;
  log(level: LogLevel, message: string, data?: JsonValue): void;
  /** The host's clock (injected; tests use a fake one). NodeContext.now reads it. */
  now(): number;
  /**
   * Called by the lifecycle right before the attempt's first effect leaves the run (an HTTP call, an
   * email, a child run, a non-pure sub-step). Makes everything recorded up to and including this
   * step's start durable, so a crash can only repeat this one step, whose record then says
   * `interrupted`. Idempotent within the attempt. A step whose attempt called it has its completion
   * applied at once; one that never called it is pure (start and completion held). Rejects with
   * NodeError("cancelled") when the run became final meanwhile.
   */
  beforeEffect(): Promise<void>;
  /**
   * Takes the oldest event of that name sent before anything waited for it (the run's inbox), for a
   * node about to pause for it (ctx.waitForEvent), which then need not pause. A plain store write,
   * like `memo.put`.
   */
  takeEvent(name: string): JsonValue | undefined;
  /**
   * Memoized sub-steps of this branch's visit of the node (keyed by token id): kept across a crash
   * restart of the attempt and across retries of the node, removed when the branch moves on. `put`
   * is a plain store write: durable with the next flush (the next beforeEffect flushes first).
   */
  memo: {
    get(key: string): { value: JsonValue } | undefined;
    put(key: string, value: JsonValue): void;
  };
  /** Pushes an ephemeral event to the run's live watchers: no row, no seq. Already redacted and rate-limited by the caller. */
  emit(type: string, data: JsonValue): void;
  /** Whether anyone watches the run live now (a WebSocket client): a node may stream only then. */
  watched(): boolean;
  /**
   * Adds to what this attempt consumed (model tokens...), kept on its step record; the run's usage is
   * the sum over its steps. Counters that are not names of a-z, 0-9, `_`, `.` or not finite amounts
   * ≥ 0 are left out (see cleanUsage).
   */
  addUsage(usage: Usage): void;
  /**
   * Starts a child run of another flow of the same account, or finds it when it already exists (its
   * id is derived from run id + token id + key, so a crash restart or a retry finds the same child),
   * and resolves when it is final. Rejects with a NodeError (flow_not_found, invalid_flow,
   * flow_depth_exceeded) when it cannot start. Aborting `signal` stops waiting; the child goes on,
   * and is cancelled when this run ends.
   */
  runChild(key: string, request: ChildRequest, signal: AbortSignal): Promise<ChildResult>;
}

export interface ChildResult {
  status: "completed" | "failed" | "cancelled";
  output: JsonValue | null;
  error: { code: string; message: string } | null;
}

/**
 * What the engine needs from the world. The execution object supplies the
 * Workers-backed version; tests supply their own (test/helpers/engine-host.ts).
 */
export interface EngineHost {
  store: ExecutionStore;
  /** Runs one attempt of a node: templates, hooks, batch, the node itself. Throws NodeError on failure. */
  runStep(request: StepRequest): Promise<NodeOutcome>;
  /** Writes the execution's summary row; called at state transitions only. */
  onTransition(state: ExecutionState): Promise<void>;
  /**
   * Starts a child execution for a `flow` node and returns its id. A child
   * started with `wait` reports back through childFinished.
   */
  spawnChild(state: ExecutionState, token: Token, request: ChildRequest & { wait: boolean }): Promise<string>;
  /**
   * Serves StepRequest.runChild. `signal` is aborted when the node stops waiting; when its reason is
   * a NodeError with code `cancelled`, the run has ended and the host cancels the child too.
   */
  runChild(state: ExecutionState, token: Token, key: string, request: ChildRequest, signal: AbortSignal): Promise<ChildResult>;
  /** Cancels a child execution this run is waiting for. */
  cancelChild(id: string): Promise<void>;
  /** Tells the parent run, if any, that this run finished. */
  notifyParent(state: ExecutionState): Promise<void>;
  /** Pushes an ephemeral event (StepRequest.emit) to the run's live watchers; nothing is stored. */
  broadcast(type: string, nodeId: string, data: JsonValue): void;
  /** Whether a live watcher is connected now (StepRequest.watched). */
  watched(): boolean;
  /** Arms the single alarm at `at`, or clears it with null. */
  setAlarm(at: number | null): Promise<void>;
  now(): number;
  random(): number;
}
