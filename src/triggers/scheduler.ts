/**
 * One schedule (a cron trigger) between its ticks: arms the alarm at the next fire time, and when it
 * fires starts the runs that are due — after checking the trigger row, which is the truth: a trigger
 * that is gone, paused, declared `enabled: false`, or whose flow is switched off or deleted, starts
 * nothing and leaves no alarm behind. Everything it touches comes through ports, so it runs the same
 * inside the schedule object (src/objects/schedule) and under a test's fake clock.
 */
import { isFinal, type ExecutionStatus } from "../engine/types";
import type { FlowRecord, TriggerRecord } from "../storage/types";
import type { TriggeredRun, TriggeredRunResult, TriggerSkip } from "../services/trigger-runs";
import { armAt, cadenceOf, dueTicks } from "./schedule";
import {
  cadenceKey,
  cronConfig,
  type CronConfig,
  type InactiveReason,
  type ScheduleState,
  type ScheduleStateStore,
  type TickOutcome,
} from "./schedule-state";
import { asError, log } from "../lib/log";

export interface SchedulerPorts {
  now(): number;
  store: ScheduleStateStore;
  alarm: { get(): Promise<number | null>; set(at: number | null): Promise<void> };
  /** The trigger row by id (any account). */
  trigger(id: string): Promise<TriggerRecord | null>;
  flow(accountId: string, flowId: string): Promise<Pick<FlowRecord, "enabled"> | null>;
  /** startTriggeredRun: idempotent per execution id. */
  startRun(run: TriggeredRun): Promise<TriggeredRunResult>;
  /** The status of a run of the account; null when there is none with that id. */
  status(accountId: string, executionId: string): Promise<ExecutionStatus | null>;
  cancel(accountId: string, executionId: string): Promise<void>;
  /** The id of the run a tick starts (tickExecutionId with the service's key). */
  tickId(triggerId: string, tick: number): Promise<string>;
  /** A fresh execution id, for a run started by hand. */
  newId(): string;
}

/** What a schedule says about itself (the schedules API adds the trigger's declaration). */
export interface ScheduleRuntime {
  next_fire_at: string | null;
  last_tick_at: string | null;
  inactive: InactiveReason | null;
  recent: TickView[];
}

export interface TickView {
  tick_at: string;
  at: string;
  outcome: TickOutcome;
  execution_id: string | null;
  message: string | null;
}

/** A trigger changed less than this long ago counts ticks from the change (a refresh may have been lost); an older one from now. */
const RECENT_CHANGE_MS = 5 * 60_000;

const SKIP_OUTCOME: Record<TriggerSkip, TickOutcome> = {
  trigger_paused: "skipped_paused",
  trigger_disabled: "skipped_disabled",
  flow_disabled: "skipped_disabled",
  flow_not_found: "skipped_disabled",
  invalid_flow: "failed",
};

export class Scheduler {
  /** When the alarm being handled went off: the time its ticks are recorded as handled at. */
  private firedAt: number | null = null;

  constructor(private readonly ports: SchedulerPorts) {}

  /** Re-reads the trigger and arms the alarm at the next fire time, or clears it. */
  async refresh(triggerId: string): Promise<ScheduleRuntime> {
    await this.apply(await this.ports.trigger(triggerId));
    return this.describe();
  }

  /**
   * For the every-minute backstop, with the trigger row it listed: nothing to do (no write, no read)
   * while the alarm is set and the row has not changed since the schedule last read it.
   */
  async ensureArmed(trigger: TriggerRecord): Promise<"armed" | "inactive" | "rearmed"> {
    const state = this.ports.store.load();
    if (state && state.trigger_version === rowVersion(trigger)) {
      if (state.inactive === null && (await this.ports.alarm.get()) !== null) return "armed";
      // The row itself says why; a switched-off flow is read again, as its switch is not on the row.
      if (state.inactive === "trigger_paused" || state.inactive === "trigger_disabled" || state.inactive === "invalid_config")
        return "inactive";
    }
    await this.apply(trigger);
    return this.ports.store.load()?.inactive === null ? "rearmed" : "inactive";
  }

  /** The alarm: starts the due ticks' runs, then arms at the next fire time. */
  async fire(): Promise<void> {
    this.firedAt = this.ports.now();
    try {
      await this.fireDue();
    } finally {
      this.firedAt = null;
    }
  }

  private async fireDue(): Promise<void> {
    const state = this.ports.store.load();
    if (!state) return this.ports.alarm.set(null);
    const trigger = await this.ports.trigger(state.trigger_id);
    const config = trigger && trigger.account_id === state.account_id ? cronConfig(trigger) : null;
    if (!trigger || !config || state.inactive !== null || state.cadence !== cadenceKey(config)) {
      // Gone, changed or coming back without being told: start over from the row.
      await this.apply(trigger);
      return;
    }
    const cadence = cadenceOf(config.cron, config.timezone);
    const inactive = await this.inactiveReason(trigger, config);
    const due = dueTicks(cadence, cursor(state), this.ports.now(), config.catchup);
    if (inactive) {
      const newest = due.run.at(-1) ?? due.missed;
      if (newest != null)
        this.record(state, newest, inactive === "trigger_paused" ? "skipped_paused" : "skipped_disabled", null, reasonText(inactive));
      return this.deactivate(state, trigger, inactive);
    }
    if (due.missed !== null) this.record(state, due.missed, "missed", null, "Missed while the schedule could not fire");
    for (const tick of due.run) {
      const stop = await this.fireTick(state, trigger, config, tick);
      if (stop) return this.deactivate(state, trigger, stop);
    }
    state.next_fire = armAt(cadence, cursor(state), this.ports.now());
    this.ports.store.save(state);
    await this.ports.alarm.set(state.next_fire);
  }

  /** Starts one run now, with a fresh id, whatever the time and even while paused; null when the account has no such schedule. */
  async runNow(triggerId: string, accountId: string): Promise<TriggeredRunResult | null> {
    const trigger = await this.ports.trigger(triggerId);
    if (!trigger || trigger.account_id !== accountId || trigger.kind !== "cron") return null;
    const config = cronConfig(trigger);
    if (!config) return { ok: false, code: "invalid_flow", message: "The schedule's declaration cannot be read" };
    if (!this.ports.store.load()) await this.apply(trigger);
    const id = this.ports.newId();
    const result = await this.ports.startRun({
      trigger: { ...trigger, paused: false },
      input: config.input,
      executionId: id,
      waitMs: 0,
      ...startAt(config),
    });
    const state = this.ports.store.load();
    if (state && result.ok) {
      state.last_execution_id = id;
      this.record(state, this.ports.now(), "run_now", id, null);
    }
    return result;
  }

  describe(): ScheduleRuntime {
    const state = this.ports.store.load();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      next_fire_at: iso(state?.next_fire ?? null),
      last_tick_at: iso(state?.last_tick ?? null),
      inactive: state?.inactive ?? null,
      recent: this.ports.store.history().map((t) => ({
        tick_at: new Date(t.tick).toISOString(),
        at: new Date(t.at).toISOString(),
        outcome: t.outcome,
        execution_id: t.execution_id,
        message: t.message,
      })),
    };
  }

  /** Brings state and alarm in line with the trigger row. */
  private async apply(trigger: TriggerRecord | null): Promise<void> {
    const config = trigger ? cronConfig(trigger) : null;
    const prior = this.ports.store.load();
    if (!trigger || trigger.kind !== "cron" || (prior && prior.account_id !== trigger.account_id)) {
      await this.ports.store.clear();
      return this.ports.alarm.set(null);
    }
    const now = this.ports.now();
    const state: ScheduleState = prior ?? {
      trigger_id: trigger.id,
      account_id: trigger.account_id,
      cadence: "",
      since: now,
      last_tick: null,
      next_fire: null,
      inactive: "invalid_config",
      last_execution_id: null,
      trigger_version: "",
    };
    const inactive = config ? await this.inactiveReason(trigger, config) : "invalid_config";
    if (inactive || !config) return this.deactivate(state, trigger, inactive ?? "invalid_config");
    const key = cadenceKey(config);
    if (state.inactive !== null || state.cadence !== key) {
      const changed = Date.parse(trigger.updated_at);
      const fromChange = state.trigger_version !== rowVersion(trigger) && changed <= now && now - changed < RECENT_CHANGE_MS;
      state.since = fromChange ? changed : now;
      state.cadence = key;
    }
    state.inactive = null;
    state.trigger_version = rowVersion(trigger);
    state.next_fire = armAt(cadenceOf(config.cron, config.timezone), cursor(state), now);
    this.ports.store.save(state);
    await this.ports.alarm.set(state.next_fire);
  }

  private async deactivate(state: ScheduleState, trigger: TriggerRecord, reason: InactiveReason): Promise<void> {
    state.inactive = reason;
    state.next_fire = null;
    state.trigger_version = rowVersion(trigger);
    this.ports.store.save(state);
    await this.ports.alarm.set(null);
  }

  private async inactiveReason(trigger: TriggerRecord, config: CronConfig): Promise<InactiveReason | null> {
    if (!config.enabled) return "trigger_disabled";
    if (trigger.paused) return "trigger_paused";
    const flow = await this.ports.flow(trigger.account_id, trigger.flow_id);
    if (!flow) return "flow_not_found";
    return flow.enabled ? null : "flow_disabled";
  }

  /** One tick: `overlap` first, then the run. Says why the schedule must stop when the start refuses for good. */
  private async fireTick(state: ScheduleState, trigger: TriggerRecord, config: CronConfig, tick: number): Promise<InactiveReason | null> {
    const { account_id: accountId } = state;
    const id = await this.ports.tickId(trigger.id, tick);
    let message: string | null = null;
    const previous = state.last_execution_id;
    if (config.overlap !== "allow" && previous !== null && previous !== id) {
      const status = await this.ports.status(accountId, previous);
      if (status !== null && !isFinal(status)) {
        if (config.overlap === "skip") {
          this.record(state, tick, "skipped_overlap", null, `${previous} is still ${status}`);
          return null;
        }
        await this.ports.cancel(accountId, previous);
        message = `Cancelled ${previous}, which was still ${status}`;
      }
    }
    let result: TriggeredRunResult;
    try {
      result = await this.ports.startRun({ trigger, input: config.input, executionId: id, waitMs: 0, ...startAt(config) });
    } catch (error) {
      // The alarm is retried by the runtime, and the same tick finds the same run id.
      log.error("schedule: the run of a tick could not be started", {
        trigger_id: trigger.id,
        tick: new Date(tick).toISOString(),
        error: asError(error),
      });
      this.record(state, tick, "failed", id, "The run could not be started; the tick is tried again", false);
      throw error;
    }
    if (result.ok) {
      state.last_execution_id = id;
      this.record(state, tick, "started", id, result.created ? message : "Started by an earlier fire of this tick");
      return null;
    }
    this.record(state, tick, SKIP_OUTCOME[result.code], null, result.message);
    return result.code === "invalid_flow" ? null : result.code;
  }

  /** Keeps a tick in the history and moves the cursor past it (unless it is to be tried again). */
  private record(
    state: ScheduleState,
    tick: number,
    outcome: TickOutcome,
    executionId: string | null,
    message: string | null,
    handled = true,
  ): void {
    if (handled && outcome !== "run_now") state.last_tick = Math.max(state.last_tick ?? tick, tick);
    this.ports.store.record({ tick, at: this.firedAt ?? this.ports.now(), outcome, execution_id: executionId, message });
    this.ports.store.save(state);
  }
}

/** What tells the backstop the row changed: its time, and its pause flag (a pause may land within the same millisecond). */
const rowVersion = (trigger: TriggerRecord) => `${trigger.updated_at}${trigger.paused ? " paused" : ""}`;

/** Ticks after this are the ones not yet handled. */
const cursor = (state: ScheduleState) => Math.max(state.last_tick ?? state.since, state.since);

const startAt = (config: CronConfig): Pick<TriggeredRun, "startNode"> =>
  config.start_node === undefined ? {} : { startNode: config.start_node };

function reasonText(reason: InactiveReason): string {
  switch (reason) {
    case "trigger_paused":
      return "The schedule is paused";
    case "trigger_disabled":
      return "The trigger is declared with enabled: false";
    case "flow_disabled":
      return "The flow's triggers are switched off";
    case "flow_not_found":
      return "The flow no longer exists";
    case "invalid_config":
      return "The schedule's declaration cannot be read";
  }
}
