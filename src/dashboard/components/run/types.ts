/** What the API answers about runs (docs/execution.md): the server's own types, as the run pages read them. */
import type { ExecutionView } from "../../../services/execution-schemas";

export type {
  ExecutionPage,
  ExecutionSummaryView as ExecutionSummary,
  ExecutionView as Execution,
  LogLine,
  LogList,
  RunError,
  StepList,
  StepView as Step,
} from "../../../services/execution-schemas";
export type WaitingFor = ExecutionView["waiting_for"][number];
// A plain module (constants and types only), so the bundle gets the two lines it uses.
export { isFinal } from "../../../engine/types";

/** A value the API cut short: `{truncated: true, size, preview}`. */
export function isTruncated(value: unknown): value is { truncated: true; size: number; preview: string } {
  return typeof value === "object" && value !== null && (value as { truncated?: unknown }).truncated === true && "preview" in value;
}

/** How long a run took, or has taken so far. */
export function runDuration(createdAt: string, finishedAt: string | null, now = Date.now()): number {
  return (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(createdAt);
}
