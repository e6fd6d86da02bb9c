import { isFinal, type ExecutionState } from "../../engine/types";
import { log } from "../../lib/log";
import { retentionPeriod, type RetentionSource } from "../../services/retention";
import type { Storage } from "../../storage/types";

/** Where the object keeps its plan (the object's key-value storage; deleteAll() clears it with the rest). */
const PLAN_KEY = "retention";
/**
 * The soonest a period not set by the flow can end: the account's and the server's are whole days.
 * A run whose flow sets none is planned this long after it finishes, by its first alarm.
 */
const FIRST_PLANNING_MS = 86_400_000;
/** The close code watchers get when the run they watch is deleted. */
export const DELETED_CLOSE_CODE = 4410;

/** When a finished run is deleted, fixed once after it finishes. */
export interface RetentionPlan {
  finished_at: string;
  /** Epoch milliseconds; null keeps the run forever. */
  delete_at: number | null;
  source: RetentionSource;
}

export interface RetentionDeps {
  storage: Pick<Storage, "accounts" | "executions">;
  /** RETENTION_DAYS. */
  serverDays: number;
  /** Resolves once the run's summary writes in flight are done, so none re-creates the row after its deletion. */
  indexWritten: () => Promise<void>;
  now: () => number;
  /** Runs once the run's storage is gone: the object closes its watchers and forgets the run it had in memory. */
  forget: () => void;
}

/**
 * A finished run's retention, driven by the object's alarm. When the run finishes, a flow's own
 * `retention` fixes the plan at once; otherwise the alarm is set a day later (the soonest an account's
 * or the server's whole-day period can end), and that alarm fixes the plan from the account's setting,
 * else the server's — so finishing a run costs no alarm and no read of the account. The alarm then
 * re-arms for the deletion. The deletion removes the index row and the run's audit
 * rows first (one atomic write), then the object's storage: a crash in between is retried by the
 * alarm, and a listed run can always be opened. Any other alarm that reaches a finished run (a
 * backstop) re-arms the plan's.
 */
export class ExecutionRetention {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly deps: RetentionDeps,
  ) {}

  /** The run just finished: plan now if its flow says how long, else a day later in an alarm. */
  async finished(state: ExecutionState): Promise<void> {
    if (state.flow.retention !== undefined && state.finished_at !== null) {
      const plan = await this.fix(state);
      if (plan.delete_at === null) await this.ctx.storage.deleteAlarm();
      else await this.ctx.storage.setAlarm(plan.delete_at);
      return;
    }
    const finishedAt = state.finished_at === null ? this.deps.now() : Date.parse(state.finished_at);
    await this.ctx.storage.setAlarm(finishedAt + FIRST_PLANNING_MS);
  }

  /** The alarm of a finished run: fix the plan if needed, then delete when it is due or re-arm. */
  async onAlarm(state: ExecutionState): Promise<"deleted" | "kept"> {
    if (!isFinal(state.status) || state.finished_at === null) return "kept";
    const plan = (await this.ctx.storage.get<RetentionPlan>(PLAN_KEY)) ?? (await this.fix(state));
    if (plan.delete_at === null) {
      await this.ctx.storage.deleteAlarm();
      return "kept";
    }
    if (this.deps.now() < plan.delete_at) {
      await this.ctx.storage.setAlarm(plan.delete_at);
      return "kept";
    }
    // Index row and audit rows first: a failure throws, and the runtime retries the alarm.
    await this.deps.indexWritten();
    await this.deps.storage.executions.delete(state.account_id, state.id);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.deps.forget();
    log.info("execution deleted", {
      execution_id: state.id,
      account_id: state.account_id,
      flow_id: state.flow_id,
      finished_at: plan.finished_at,
      retention: plan.source,
    });
    return "deleted";
  }

  private async fix(state: ExecutionState): Promise<RetentionPlan> {
    const flow = state.flow.retention;
    const account = flow === undefined ? await this.deps.storage.accounts.getSettings(state.account_id) : null;
    const period = retentionPeriod(flow, account?.retention_days ?? null, this.deps.serverDays);
    const finishedAt = Date.parse(state.finished_at!);
    const plan: RetentionPlan = {
      finished_at: state.finished_at!,
      delete_at: period.ms === null ? null : finishedAt + period.ms,
      source: period.source,
    };
    await this.ctx.storage.put(PLAN_KEY, plan);
    return plan;
  }
}
