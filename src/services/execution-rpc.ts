import type { ChildResult } from "../engine/host";
import type { StartRequest } from "../engine/engine";
import type { ExecutionEvent } from "../engine/types";
import type { JsonValue } from "../lib/json";
import type { AuditEventRecord } from "../storage/types";
import type { ExecutionView, LogLine, StepView } from "./execution-schemas";

export interface StartPayload {
  request: StartRequest;
  /** Wait up to this long for the run to finish before answering. */
  waitMs: number;
  /** Appended to the audit trail with the run's first summary, if this call starts the run (a repeat starts nothing). */
  audit?: AuditEventRecord;
}

export interface RerunSeed {
  flow_id: string;
  flow_version: number;
  flow: StartRequest["flow"];
  results: Record<string, JsonValue>;
  input: JsonValue;
  /** False when the node never ran in that execution. */
  found: boolean;
}

/** A run as a webhook caller waiting on it finds it. */
export interface AwaitedRun {
  execution: ExecutionView;
  /** The output of the run's first completed `respond` step (only looked for when asked), else null. */
  answer: JsonValue | null;
}

/**
 * How the services reach a run: the execution object implements this (src/objects/execution), and
 * the Worker entry hands RunService a function that answers one per execution id. Callers use this
 * interface rather than the generated stub type, which TypeScript cannot expand for recursive JSON.
 * Methods taking an account id answer null for any other account.
 */
export interface ExecutionRpc {
  start(payload: StartPayload): Promise<{ created: boolean; execution: ExecutionView }>;
  describe(accountId: string): Promise<ExecutionView | null>;
  waitFor(accountId: string, waitMs: number): Promise<ExecutionView | null>;
  /**
   * Waits up to `waitMs` until the run waits or ends or, with `untilAnswer`, until a `respond` step
   * of it completes, whichever comes first; then answers the run and that step's output.
   */
  awaitResponse(accountId: string, waitMs: number, untilAnswer: boolean): Promise<AwaitedRun | null>;
  steps(accountId: string, options: { after: number; limit: number; node_id?: string; full: boolean }): Promise<StepView[] | null>;
  logs(accountId: string, options: { after: number; limit: number; node_id?: string; level?: string }): Promise<LogLine[] | null>;
  events(accountId: string, after: number, limit: number): Promise<ExecutionEvent[] | null>;
  cancel(accountId: string): Promise<ExecutionView | null>;
  sendEvent(accountId: string, name: string, payload: JsonValue): Promise<{ delivered: number; execution: ExecutionView } | null>;
  childFinished(tokenId: number, result: ChildResult): Promise<void>;
  rerunSeed(accountId: string, fromNode: string | null): Promise<RerunSeed | null>;
  fetch(request: Request): Promise<Response>;
}
