/**
 * What a schedule keeps between its ticks, and how the scheduler reads a cron trigger's declaration.
 * The schedule object stores these in its own SQLite storage; tests keep them in memory.
 */
import { cronTriggerSchema } from "../flow/triggers";
import type { JsonValue } from "../lib/json";
import type { TriggerRecord } from "../storage/types";
import type { Catchup } from "./schedule";

/** Why a schedule does not tick (its alarm is cleared). */
export type InactiveReason = "trigger_disabled" | "trigger_paused" | "flow_disabled" | "flow_not_found" | "invalid_config";

export interface ScheduleState {
  trigger_id: string;
  account_id: string;
  /** The expression and time zone the cursor was counted in; a change restarts the count. */
  cadence: string;
  /** Ticks at or before this time are never run: when the schedule last started counting. */
  since: number;
  /** The newest tick handled (run, skipped or missed). */
  last_tick: number | null;
  /** When the alarm is set for; null while inactive. */
  next_fire: number | null;
  inactive: InactiveReason | null;
  /** The run the newest tick (or a run-now) started: the one `overlap` looks at. */
  last_execution_id: string | null;
  /** `updated_at` (and pause flag) of the trigger row last read: the backstop re-reads a schedule whose row changed. */
  trigger_version: string;
}

export const TICK_OUTCOMES = ["started", "run_now", "skipped_overlap", "skipped_paused", "skipped_disabled", "missed", "failed"] as const;
export type TickOutcome = (typeof TICK_OUTCOMES)[number];

export interface TickRecord {
  /** The planned time of the tick (the time of the request for a run-now). */
  tick: number;
  /** When the schedule fired for it (its alarm went off), or when a run-now was asked for. */
  at: number;
  outcome: TickOutcome;
  execution_id: string | null;
  message: string | null;
}

/** Recent ticks kept per schedule. */
export const TICK_HISTORY = 20;

/** The schedule's own storage. Synchronous, as a Durable Object's SQLite is. */
export interface ScheduleStateStore {
  load(): ScheduleState | null;
  save(state: ScheduleState): void;
  /** Appends, keeping the newest TICK_HISTORY. */
  record(tick: TickRecord): void;
  /** Newest first. */
  history(): TickRecord[];
  /** Forgets everything: the trigger is gone. */
  clear(): Promise<void>;
}

/** A cron trigger's declaration as the scheduler uses it. */
export interface CronConfig {
  cron: string;
  timezone: string;
  input: JsonValue;
  overlap: "allow" | "skip" | "cancel_previous";
  catchup: Catchup;
  enabled: boolean;
  /** Schedules made by a `cron` node may start the flow at another node than its start. */
  start_node: string | undefined;
}

/** The declaration of a cron trigger row, or null when it is not one this server can read. */
export function cronConfig(trigger: Pick<TriggerRecord, "kind" | "config">): CronConfig | null {
  if (trigger.kind !== "cron") return null;
  const { start_node: startNode, ...declared } = trigger.config;
  const parsed = cronTriggerSchema.safeParse(declared);
  if (!parsed.success || (startNode !== undefined && typeof startNode !== "string")) return null;
  const { cron, timezone, input, overlap, catchup, enabled } = parsed.data;
  return { cron, timezone, input, overlap, catchup, enabled, start_node: startNode };
}

/** The key of what the cursor is counted in. */
export const cadenceKey = (config: Pick<CronConfig, "cron" | "timezone">) => `${config.cron.trim()}\u0000${config.timezone}`;
