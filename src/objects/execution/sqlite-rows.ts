import type { EventResume } from "../../engine/outcome";
import type { StepRecord, Timer, TimerKind, Token, TokenPosition } from "../../engine/types";
import { isRecord, type JsonValue } from "../../lib/json";

/** How the execution object's SQLite rows map to the engine's records, and back. */
export type Row = Record<string, SqlStorageValue | undefined>;

export const json = (value: SqlStorageValue | undefined): JsonValue =>
  value === null || value === undefined ? null : (JSON.parse(String(value)) as JsonValue);
export const text = (value: JsonValue | undefined): string => JSON.stringify(value ?? null);

/**
 * A stored token's position. `waiting_child` was stored with a null `pending` until its child was
 * known (rows written before it carried `{}`), so both read as "no child yet".
 */
export function positionOf(state: string, pending: JsonValue): TokenPosition {
  switch (state) {
    case "ready":
      return { state, pending: isRecord(pending) && pending.resume === true ? { resume: true } : null };
    case "running":
    case "retry_wait":
    case "joining":
      return { state, pending: null };
    case "sleeping":
      if (isRecord(pending) && typeof pending.action === "string") {
        return { state, pending: { action: pending.action, output: pending.output ?? null } };
      }
      break;
    case "waiting_event":
      if (isRecord(pending) && typeof pending.event === "string") {
        const resume = resumeOf(pending.resume);
        return { state, pending: resume ? { event: pending.event, resume } : { event: pending.event } };
      }
      break;
    case "waiting_child":
      return { state, pending: isRecord(pending) && typeof pending.child === "string" ? { child: pending.child } : {} };
  }
  throw new Error(`A stored token in state '${state}' has an unreadable pending value`);
}

function resumeOf(value: JsonValue | undefined): EventResume | undefined {
  if (!isRecord(value) || typeof value.key !== "string") return undefined;
  return value.data === undefined ? { key: value.key } : { key: value.key, data: value.data };
}

export function toToken(row: Row): Token {
  return {
    id: Number(row.id),
    node_id: String(row.node_id),
    input: json(row.input),
    attempt: Number(row.attempt),
    from_node: row.from_node === null ? null : String(row.from_node),
    step_seq: row.step_seq === null ? null : Number(row.step_seq),
    ...positionOf(String(row.state), json(row.pending)),
  };
}

export function toStep(row: Row): StepRecord {
  return {
    seq: Number(row.seq),
    token_id: Number(row.token_id),
    node_id: String(row.node_id),
    attempt: Number(row.attempt),
    status: String(row.status) as StepRecord["status"],
    action: row.action === null ? null : String(row.action),
    input: json(row.input),
    output: json(row.output),
    error: row.error === null ? null : (JSON.parse(String(row.error)) as StepRecord["error"]),
    started_at: String(row.started_at),
    finished_at: row.finished_at === null ? null : String(row.finished_at),
    usage: row.usage === null || row.usage === undefined ? null : (JSON.parse(String(row.usage)) as StepRecord["usage"]),
  };
}

export function toTimer(row: Row): Timer {
  return {
    id: Number(row.id),
    fire_at: Number(row.fire_at),
    kind: String(row.kind) as TimerKind,
    token_id: row.token_id === null ? null : Number(row.token_id),
  };
}
