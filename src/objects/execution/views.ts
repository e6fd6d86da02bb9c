import type { EventResume } from "../../engine/outcome";
import { preview } from "../../engine/preview";
import type { ExecutionState, StepRecord, Token } from "../../engine/types";
import type { Usage } from "../../engine/usage";
import type { JsonValue } from "../../lib/json";
import type { ExecutionView, StepView } from "../../services/execution-schemas";
import type { ExecutionSummary } from "../../storage/types";

/**
 * The nodes where the run is doing or awaiting work: one entry per node with a branch there, in
 * token order. A branch parked at a join is not current work (it only waits for its siblings,
 * which are listed where they are), so `joining` tokens are left out. The detail view and the
 * list's summary both use this, so they agree.
 */
export function currentNodes(tokens: readonly Token[]): string[] {
  return [...new Set(tokens.filter((t) => t.state !== "joining").map((t) => t.node_id))];
}

export function executionView(state: ExecutionState, tokens: Token[], usage: Usage | null): ExecutionView {
  return {
    id: state.id,
    flow_id: state.flow_id,
    flow_version: state.flow_version,
    status: state.status,
    trigger: state.trigger,
    parent_id: state.parent?.execution_id ?? null,
    created_at: state.created_at,
    finished_at: state.finished_at,
    current_nodes: currentNodes(tokens),
    waiting_for: tokens
      .filter((t) => ["sleeping", "waiting_event", "waiting_child", "retry_wait"].includes(t.state))
      .map((t) => ({ node_id: t.node_id, state: t.state, ...(t.state === "waiting_event" ? eventWait(t.pending) : {}) })),
    step_count: state.step_count,
    usage,
    input: state.input,
    output: state.output,
    error: state.error,
    shared: state.shared,
  };
}

/** What a branch waiting for an event awaits; a node that paused inside its work shows its `data` (a proposed tool call). */
function eventWait({ event, resume }: { event: string; resume?: EventResume }): { event: string; data?: JsonValue } {
  return resume?.data === undefined ? { event } : { event, data: resume.data };
}

export function stepView(step: StepRecord, full: boolean): StepView {
  const show = (v: JsonValue) => (full ? v : preview(v));
  return {
    seq: step.seq,
    node_id: step.node_id,
    attempt: step.attempt,
    status: step.status,
    action: step.action,
    started_at: step.started_at,
    finished_at: step.finished_at,
    duration_ms: step.finished_at ? Date.parse(step.finished_at) - Date.parse(step.started_at) : null,
    input: show(step.input),
    output: show(step.output),
    error: step.error,
    usage: step.usage,
  };
}

/** The run's index row; `tokensUsed` is the model tokens of its steps (tokensOf the run's usage). */
export function summaryOf(state: ExecutionState, tokens: Token[], now: string, tokensUsed: number): ExecutionSummary {
  return {
    id: state.id,
    account_id: state.account_id,
    flow_id: state.flow_id,
    flow_version: state.flow_version,
    status: state.status,
    trigger: state.trigger,
    parent_id: state.parent?.execution_id ?? null,
    current_nodes: currentNodes(tokens),
    error: state.error ? { code: state.error.code, message: state.error.message, node_id: state.error.node_id } : null,
    output_preview: state.output === null ? null : JSON.stringify(preview(state.output, 512)),
    step_count: state.step_count,
    tokens: tokensUsed,
    created_at: state.created_at,
    updated_at: now,
    finished_at: state.finished_at,
  };
}
