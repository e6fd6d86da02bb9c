/** What the API answers about runs (docs/execution.md), as the run pages read it. */

export type ExecutionStatus = "running" | "waiting" | "completed" | "failed" | "cancelled";

export const FINAL_STATUSES: readonly string[] = ["completed", "failed", "cancelled"];

export const isFinal = (status: string): boolean => FINAL_STATUSES.includes(status);

export interface RunError {
  code: string;
  message: string;
  node_id: string;
  details?: unknown;
}

export interface WaitingFor {
  node_id: string;
  state: string;
  event?: string;
  data?: unknown;
}

export interface ExecutionSummary {
  id: string;
  flow_id: string;
  flow_version: number;
  status: ExecutionStatus;
  trigger: string;
  parent_id: string | null;
  step_count: number;
  created_at: string;
  finished_at: string | null;
  current_nodes: string[];
  error: RunError | null;
  output_preview: string | null;
  updated_at: string;
}

export interface Execution {
  id: string;
  flow_id: string;
  flow_version: number;
  status: ExecutionStatus;
  trigger: string;
  parent_id: string | null;
  step_count: number;
  created_at: string;
  finished_at: string | null;
  current_nodes: string[];
  waiting_for: WaitingFor[];
  usage: Record<string, number> | null;
  input: unknown;
  output: unknown;
  error: RunError | null;
  shared: unknown;
}

export interface Step {
  seq: number;
  node_id: string;
  attempt: number;
  status: string;
  action: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  input: unknown;
  output: unknown;
  error: RunError | null;
  usage: Record<string, number> | null;
}

export interface LogLine {
  seq: number;
  time: string;
  level: string;
  node_id: string | null;
  message: string;
  data: unknown;
}

/** A value the API cut short: `{truncated: true, size, preview}`. */
export function isTruncated(value: unknown): value is { truncated: true; size: number; preview: string } {
  return typeof value === "object" && value !== null && (value as { truncated?: unknown }).truncated === true && "preview" in value;
}

/** How long a run took, or has taken so far. */
export function runDuration(createdAt: string, finishedAt: string | null, now = Date.now()): number {
  return (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(createdAt);
}
