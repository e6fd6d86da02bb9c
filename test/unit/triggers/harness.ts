/**
 * A schedule under test: the real Scheduler and the real startTriggeredRun, with the trigger and
 * flow rows, the execution objects, the alarm and the clock in memory. `advance` plays the runtime:
 * it fires the alarm whenever the clock reaches it.
 */
import type { ExecutionStatus } from "../../../src/engine/types";
import type { ExecutionRpc, StartPayload } from "../../../src/services/execution-rpc";
import type { ExecutionView } from "../../../src/services/execution-schemas";
import { startTriggeredRun } from "../../../src/services/trigger-runs";
import type { FlowRecord, FlowStore, Storage, TriggerRecord } from "../../../src/storage/types";
import { tickExecutionId } from "../../../src/triggers/schedule";
import { TICK_HISTORY, type ScheduleState, type ScheduleStateStore, type TickRecord } from "../../../src/triggers/schedule-state";
import { Scheduler } from "../../../src/triggers/scheduler";
import { FakeClock } from "../../helpers/engine-host";

export const ACCOUNT = "acc_test";
export const FLOW_ID = "flw_test";
export const TRIGGER_ID = "trg_test";
const ID_KEY = "test-id-key";

export class MemoryScheduleStore implements ScheduleStateStore {
  state: ScheduleState | null = null;
  ticks: TickRecord[] = [];
  load(): ScheduleState | null {
    return this.state ? structuredClone(this.state) : null;
  }
  save(state: ScheduleState): void {
    this.state = structuredClone(state);
  }
  record(tick: TickRecord): void {
    this.ticks.push(tick);
    this.ticks = this.ticks.slice(-TICK_HISTORY);
  }
  history(): TickRecord[] {
    return [...this.ticks].reverse();
  }
  async clear(): Promise<void> {
    this.state = null;
    this.ticks = [];
  }
}

export interface FakeRun {
  id: string;
  status: ExecutionStatus;
  trigger: string;
  input: unknown;
  start_node: string | undefined;
}

const FLOW_YAML = `metadata: {name: ticking}
nodes:
  first: {type: transform, params: {script: "return input"}, next: {default: second}}
  second: {type: transform, params: {script: "return 2"}}
`;

export interface CronDeclaration {
  cron: string;
  timezone?: string;
  overlap?: "allow" | "skip" | "cancel_previous";
  catchup?: "none" | "latest" | "all";
  input?: unknown;
  enabled?: boolean;
  start_node?: string;
}

export class ScheduleHarness {
  readonly clock: FakeClock;
  readonly store = new MemoryScheduleStore();
  alarm: number | null = null;
  readonly triggers = new Map<string, TriggerRecord>();
  flow: FlowRecord | null;
  /** Runs by execution id, in start order. */
  readonly runs = new Map<string, FakeRun>();
  /** Reads of the trigger row. */
  triggerReads = 0;
  readonly scheduler: Scheduler;

  constructor(declaration: CronDeclaration, start = Date.UTC(2026, 0, 1)) {
    this.clock = new FakeClock(start);
    const now = new Date(start).toISOString();
    this.flow = {
      id: FLOW_ID,
      account_id: ACCOUNT,
      name: "ticking",
      description: null,
      version: 1,
      content: FLOW_YAML,
      tags: [],
      category: null,
      status: "draft",
      custom: {},
      enabled: true,
      created_at: now,
      updated_at: now,
    };
    this.setTrigger(declaration);
    const flows: Pick<FlowStore, "get" | "getVersion"> = {
      get: async (accountId, id) => (this.flow && accountId === this.flow.account_id && id === this.flow.id ? this.flow : null),
      getVersion: async () => null,
    };
    const storage = { flows } as unknown as Storage;
    const execution = (id: string) => this.executionRpc(id);
    this.scheduler = new Scheduler({
      now: () => this.clock.now(),
      store: this.store,
      alarm: {
        get: async () => this.alarm,
        set: async (at) => {
          this.alarm = at;
        },
      },
      trigger: async (id) => {
        this.triggerReads++;
        return this.triggers.get(id) ?? null;
      },
      flow: async (accountId, flowId) => flows.get(accountId, flowId),
      startRun: (run) => startTriggeredRun({ storage, execution }, run),
      status: async (accountId, id) => (accountId === ACCOUNT ? (this.runs.get(id)?.status ?? null) : null),
      cancel: async (accountId, id) => {
        const run = this.runs.get(id);
        if (run && accountId === ACCOUNT) run.status = "cancelled";
      },
      tickId: (triggerId, tick) => tickExecutionId(ID_KEY, triggerId, tick),
      newId: () => `exe_manual${this.runs.size}`,
    });
  }

  /** Declares (or re-declares, as a flow save does) the trigger; its row gets the clock's time. */
  setTrigger(declaration: CronDeclaration, changes: Partial<TriggerRecord> = {}): TriggerRecord {
    const now = new Date(this.clock.now()).toISOString();
    const { start_node, ...rest } = declaration;
    const record: TriggerRecord = {
      id: TRIGGER_ID,
      account_id: ACCOUNT,
      flow_id: FLOW_ID,
      key: "cron",
      kind: "cron",
      source: start_node === undefined ? "flow" : "node",
      flow_version: 1,
      config: { type: "cron", id: "cron", ...rest, ...(start_node === undefined ? {} : { start_node }) },
      paused: false,
      created_at: this.triggers.get(TRIGGER_ID)?.created_at ?? now,
      updated_at: now,
      ...changes,
    };
    this.triggers.set(TRIGGER_ID, record);
    return record;
  }

  pause(paused: boolean): void {
    const current = this.triggers.get(TRIGGER_ID)!;
    this.triggers.set(TRIGGER_ID, { ...current, paused, updated_at: new Date(this.clock.now()).toISOString() });
  }

  /** Moves the clock to `ms`, firing the alarm each time the clock reaches it (as the runtime does). */
  async advanceTo(ms: number): Promise<void> {
    for (let fires = 0; this.alarm !== null && this.alarm <= ms; fires++) {
      if (fires > 10_000) throw new Error("the alarm keeps firing");
      this.clock.set(this.alarm);
      await this.scheduler.fire();
    }
    this.clock.set(ms);
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.clock.now() + ms);
  }

  /** The clock jumps without the alarm firing (the schedule could not run), then the alarm fires once. */
  async downtime(ms: number): Promise<void> {
    this.clock.advance(ms);
    if (this.alarm !== null && this.alarm <= this.clock.now()) await this.scheduler.fire();
  }

  tickId(tick: number): Promise<string> {
    return tickExecutionId(ID_KEY, TRIGGER_ID, tick);
  }

  /** The planned times of the ticks that started runs, as ISO strings. */
  startedTicks(): string[] {
    return this.store.ticks.filter((t) => t.outcome === "started").map((t) => new Date(t.tick).toISOString());
  }

  outcomes(): string[] {
    return this.store.ticks.map((t) => `${new Date(t.tick).toISOString().slice(11, 19)} ${t.outcome}`);
  }

  private executionRpc(id: string): ExecutionRpc {
    const rpc: Pick<ExecutionRpc, "start"> = {
      start: async (payload: StartPayload) => {
        const existing = this.runs.get(id);
        if (!existing) {
          const { request } = payload;
          this.runs.set(id, { id, status: "running", trigger: request.trigger, input: request.input, start_node: request.start_node });
        }
        return { created: !existing, execution: { id, status: this.runs.get(id)!.status } as ExecutionView };
      },
    };
    return rpc as ExecutionRpc;
  }
}
