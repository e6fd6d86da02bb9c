import type { JsonValue } from "../lib/json";
import type { Usage } from "./usage";
import type { EventType, ExecutionEvent, ExecutionState, NewToken, StepRecord, Timer, TimerKind, Token } from "./types";

/**
 * Durable state of one execution. Calls are synchronous because the
 * execution object's SQLite storage is; `flush` waits until everything
 * written so far survives a crash.
 */
export interface ExecutionStore {
  /** The saved state, with `step_count` set to the number of step records (saves may lag behind it). */
  load(): ExecutionState | null;
  save(state: ExecutionState): void;

  tokens(): Token[];
  token(id: number): Token | null;
  addToken(token: NewToken): Token;
  updateToken(token: Token): void;
  /** Removes the token and the sub-step values recorded for it. */
  removeToken(id: number): void;

  /** A sub-step's recorded value for a token's visit of its node (see StepRequest.memo), if any. */
  memo(tokenId: number, key: string): { value: JsonValue } | undefined;
  /** Records (or replaces) a sub-step's value; a plain write, durable with the next flush. */
  putMemo(tokenId: number, key: string, value: JsonValue): void;

  startStep(step: Omit<StepRecord, "seq" | "usage">): number;
  finishStep(seq: number, patch: Pick<StepRecord, "status" | "action" | "output" | "error" | "finished_at">): void;
  steps(options?: { after?: number; limit?: number; node_id?: string }): StepRecord[];
  /** Sets a step's usage (the attempt's total so far); a plain write, durable with the next flush. */
  setStepUsage(seq: number, usage: Usage): void;
  /** The run's usage: every step's, summed counter by counter; null when no step reported any. */
  usage(): Usage | null;

  results(): Record<string, JsonValue>;
  setResult(nodeId: string, output: JsonValue): void;

  /** Numbers and stamps the event (with the host's clock) and announces it once it is written. */
  appendEvent(type: EventType, nodeId: string | null, data: JsonValue): ExecutionEvent;
  /** `level` matches log events' level. */
  events(options?: { after?: number; limit?: number; types?: EventType[]; node_id?: string; level?: string }): ExecutionEvent[];

  addTimer(kind: TimerKind, fireAt: number, tokenId: number | null): void;
  /** Removes the timers matching every given field; an empty filter removes all. */
  removeTimers(filter: { id?: number; token_id?: number; kind?: TimerKind }): void;
  dueTimers(now: number): Timer[];
  nextTimer(): Timer | null;

  /** Events sent before anything waited for them. */
  takeInbox(name: string): JsonValue | undefined;
  putInbox(name: string, payload: JsonValue): void;

  /**
   * Runs `work` (synchronous) and applies the writes it makes together at its end, which costs
   * less than one by one. Reads inside it see those writes. Nothing else changes: the writes are
   * durable when they would have been.
   *
   * With `hold`, the writes are applied with the next batch that is not held, the next read or
   * flush instead (or once many are queued, or the oldest has waited about a second), and writes made in between join them. For records that need not be stored before what follows runs:
   * nothing leaves the run before a flush, so held writes are durable when they would have been.
   */
  batch<T>(work: () => T, options?: { hold?: boolean }): T;

  flush(): Promise<void>;
}
