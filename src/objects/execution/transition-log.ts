import { isFinal, type ExecutionEvent, type ExecutionState, type ExecutionStatus, type Token } from "../../engine/types";
import { log, type LogFields } from "../../lib/log";

const WAITING_STATES: ReadonlySet<Token["state"]> = new Set(["sleeping", "waiting_event", "waiting_child", "retry_wait"]);

/**
 * The run's transitions as log lines, written where the object writes its summary to the index:
 * started, waiting (for what), resumed and finished (status, duration, steps, tokens). Ids, names,
 * counts and error codes only; never inputs, outputs or messages a node built from secrets.
 */
export class TransitionLog {
  /** The status last logged by this object instance; a fresh instance (after eviction) knows none. */
  private logged: ExecutionStatus | null = null;
  private startedHere = false;

  /** The run was created by this instance: its first index write is its start. */
  created(): void {
    this.startedHere = true;
  }

  transitioned(state: ExecutionState, tokens: readonly Token[], tokensUsed: number): void {
    const previous = this.logged;
    if (previous === state.status) return;
    this.logged = state.status;
    let run = runFields(state);
    if (previous === null && this.startedHere) {
      this.startedHere = false;
      // A run already waiting or finished at its first index write gets one line, not two: the
      // line that says where it stands carries the trigger. Each console line costs the isolate
      // (≈ 2 ms a line under wrangler dev, measured: bench/engine/optimisations.md).
      if (state.status === "running") log.info("execution started", { ...run, trigger: state.trigger });
      else run = { ...run, trigger: state.trigger };
    } else if (previous !== "running" && (state.status === "running" || state.status === "completed" || state.status === "failed")) {
      // A waiting run (or one this instance loaded after an eviction) went on; its `running` row may
      // never be written when it finishes first, so the resume is logged with what comes after it.
      log.info("execution resumed", run);
    }
    if (state.status === "waiting") {
      const waiting = tokens.filter((token) => WAITING_STATES.has(token.state));
      log.info("execution waiting", { ...run, waiting_for: waiting.map(waitDescription), step_count: state.step_count });
    } else if (isFinal(state.status)) {
      const duration = state.finished_at ? Date.parse(state.finished_at) - Date.parse(state.created_at) : undefined;
      log.write(state.status === "failed" ? "warn" : "info", "execution finished", {
        ...run,
        status: state.status,
        duration_ms: duration,
        step_count: state.step_count,
        tokens: tokensUsed,
        error_code: state.error?.code,
        error_node: state.error?.node_id,
      });
    }
  }

  /** A step that failed (each failed attempt), from the run's `step.failed` event. */
  nodeFailed(state: ExecutionState | null, event: ExecutionEvent): void {
    if (!state || event.type !== "step.failed") return;
    const data = event.data as { attempt?: number; error?: { code?: string } } | null;
    log.warn("node failed", {
      ...runFields(state),
      node_id: event.node_id,
      attempt: data?.attempt,
      error_code: data?.error?.code,
    });
  }
}

function runFields(state: ExecutionState): LogFields {
  return {
    execution_id: state.id,
    account_id: state.account_id,
    flow_id: state.flow_id,
    flow_version: state.flow_version,
    status: state.status,
  };
}

/** `node:state`, and for an event wait the event's name (`approve:waiting_event:approved`). */
function waitDescription(token: Token): string {
  return token.state === "waiting_event" ? `${token.node_id}:${token.state}:${token.pending.event}` : `${token.node_id}:${token.state}`;
}
