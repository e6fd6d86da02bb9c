import { preview } from "../../engine/preview";
import type { ExecutionState, StepRecord, Token } from "../../engine/types";
import type { JsonValue } from "../../lib/json";
import type { ExecutionSummary } from "../../storage/types";

/** What the API shows of an execution. */
export interface ExecutionView {
  id: string;
  flow_id: string;
  flow_version: number;
  status: string;
  trigger: string;
  parent_id: string | null;
  created_at: string;
  finished_at: string | null;
  current_nodes: string[];
  waiting_for: { node_id: string; state: string; event?: string }[];
  step_count: number;
  input: JsonValue;
  output: JsonValue;
  error: JsonValue;
  shared: JsonValue;
}

export interface StepView {
  seq: number;
  node_id: string;
  attempt: number;
  status: string;
  action: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  input: JsonValue;
  output: JsonValue;
  error: JsonValue;
}

export function executionView(state: ExecutionState, tokens: Token[]): ExecutionView {
  return {
    id: state.id,
    flow_id: state.flow_id,
    flow_version: state.flow_version,
    status: state.status,
    trigger: state.trigger,
    parent_id: state.parent?.execution_id ?? null,
    created_at: state.created_at,
    finished_at: state.finished_at,
    current_nodes: [...new Set(tokens.filter((t) => t.state !== "joining").map((t) => t.node_id))],
    waiting_for: tokens
      .filter((t) => ["sleeping", "waiting_event", "waiting_child", "retry_wait"].includes(t.state))
      .map((t) => ({
        node_id: t.node_id,
        state: t.state,
        ...(t.state === "waiting_event" ? { event: t.pending.event } : {}),
      })),
    step_count: state.step_count,
    input: state.input,
    output: state.output,
    error: state.error as unknown as JsonValue,
    shared: state.shared,
  };
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
    error: step.error as unknown as JsonValue,
  };
}

export function summaryOf(state: ExecutionState, tokens: Token[], now: string): ExecutionSummary {
  return {
    id: state.id,
    account_id: state.account_id,
    flow_id: state.flow_id,
    flow_version: state.flow_version,
    status: state.status,
    trigger: state.trigger,
    parent_id: state.parent?.execution_id ?? null,
    current_nodes: [...new Set(tokens.map((t) => t.node_id))],
    error: state.error ? { code: state.error.code, message: state.error.message, node_id: state.error.node_id } : null,
    output_preview: state.output === null ? null : JSON.stringify(preview(state.output, 512)),
    step_count: state.step_count,
    created_at: state.created_at,
    updated_at: now,
    finished_at: state.finished_at,
  };
}
