import { DurableObject } from "cloudflare:workers";
import { parseConfig, type Env } from "../../env";
import { newId } from "../../lib/ids";
import type { ScheduleRpc } from "../../services/schedule-rpc";
import { startTriggeredRun, type TriggeredRunResult } from "../../services/trigger-runs";
import { PluginDirectory } from "../../plugins/directory";
import { createStorage } from "../../storage";
import type { TriggerRecord } from "../../storage/types";
import { tickExecutionId } from "../../triggers/schedule";
import { Scheduler, type ScheduleRuntime } from "../../triggers/scheduler";
import { executionStub } from "../execution/rpc";
import { SqliteScheduleStore } from "./sqlite-state";

/**
 * One cron trigger's schedule (named by the trigger id): its alarm is set for the next fire time,
 * and its SQLite storage keeps the last tick and the recent ones. A thin adapter that gives the
 * scheduler (src/triggers/scheduler.ts) its Workers-backed ports.
 */
export class ScheduleObject extends DurableObject<Env> implements ScheduleRpc {
  private readonly scheduler: Scheduler;
  /** Calls that read and write the schedule's state run one after the other, even across their awaits. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const storage = createStorage(env, { defer: (work) => ctx.waitUntil(work), connections: 1 });
    const { jwtSecret } = parseConfig(env);
    const execution = (id: string) => executionStub(env.EXECUTIONS, id);
    this.scheduler = new Scheduler({
      now: () => Date.now(),
      store: new SqliteScheduleStore(ctx.storage.sql, () => ctx.storage.deleteAll()),
      alarm: {
        get: () => ctx.storage.getAlarm(),
        set: (at) => (at === null ? ctx.storage.deleteAlarm() : ctx.storage.setAlarm(at)),
      },
      trigger: (id) => storage.triggers.get(id),
      flow: (accountId, flowId) => storage.flows.get(accountId, flowId),
      startRun: (run) => startTriggeredRun({ storage, execution, plugins: PluginDirectory.fromBindings(storage.plugins, env) }, run),
      status: async (accountId, id) => (await execution(id).describe(accountId))?.status ?? null,
      cancel: async (accountId, id) => {
        await execution(id).cancel(accountId);
      },
      tickId: (triggerId, tick) => tickExecutionId(jwtSecret, triggerId, tick),
      newId: () => newId("exe"),
    });
  }

  refresh(triggerId: string): Promise<ScheduleRuntime> {
    return this.serial(() => this.scheduler.refresh(triggerId));
  }

  ensureArmed(trigger: TriggerRecord): Promise<"armed" | "inactive" | "rearmed"> {
    return this.serial(() => this.scheduler.ensureArmed(trigger));
  }

  async describe(): Promise<ScheduleRuntime> {
    return this.scheduler.describe();
  }

  runNow(triggerId: string, accountId: string): Promise<TriggeredRunResult | null> {
    return this.serial(() => this.scheduler.runNow(triggerId, accountId));
  }

  override alarm(): Promise<void> {
    return this.serial(() => this.scheduler.fire());
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
