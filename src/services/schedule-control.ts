import { eachLimited } from "../lib/each-limited";
import type { TriggerRecord, TriggerStore } from "../storage/types";
import type { ScheduleRpc } from "./schedule-rpc";
import { asError, log } from "../lib/log";

/**
 * Reaches the schedule objects. After a flow's triggers change (a save, a delete, the flow switched
 * on or off, a pause), each affected schedule is asked to re-read its trigger and arm or clear its
 * alarm. The trigger rows are the truth: a schedule that is not told (a lost call) finds out at its
 * next tick, or from the every-minute backstop, and never starts a run its trigger no longer allows.
 */
export interface ScheduleControl {
  refresh(triggers: readonly Pick<TriggerRecord, "id" | "account_id" | "kind">[]): Promise<void>;
}

/** Schedules told at once after one change; a flow has at most a few. */
const REFRESH_CONCURRENCY = 8;

/** ScheduleControl over the schedule objects, one per cron trigger id. Rejects when any refresh failed (after trying all). */
export function scheduleControl(schedule: (triggerId: string) => ScheduleRpc): ScheduleControl {
  return {
    async refresh(triggers) {
      // A save lists a trigger before and after the change: each schedule is told once.
      const ids = [...new Set(triggers.filter((t) => t.kind === "cron").map((t) => t.id))];
      const failures = await eachLimited(ids, REFRESH_CONCURRENCY, (id) => schedule(id).refresh(id));
      if (failures.length > 0) throw failures[0];
    },
  };
}

/** Schedules the backstop checks at once. */
const BACKSTOP_CONCURRENCY = 10;
const BACKSTOP_PAGE = 100;

export interface BackstopReport {
  checked: number;
  rearmed: number;
  failed: number;
}

/**
 * The every-minute backstop: asks every cron trigger's schedule to make sure its alarm is set. A
 * schedule whose alarm is there and whose row has not changed answers without reading or writing
 * anything, so a pass costs one call per schedule.
 */
export async function rearmSchedules(
  triggers: Pick<TriggerStore, "listAll">,
  schedule: (triggerId: string) => ScheduleRpc,
): Promise<BackstopReport> {
  const report: BackstopReport = { checked: 0, rearmed: 0, failed: 0 };
  let cursor: string | undefined;
  do {
    const page = await triggers.listAll("cron", { limit: BACKSTOP_PAGE, cursor });
    const failures = await eachLimited(page.items, BACKSTOP_CONCURRENCY, async (trigger) => {
      if ((await schedule(trigger.id).ensureArmed(trigger)) === "rearmed") report.rearmed++;
    });
    report.checked += page.items.length;
    report.failed += failures.length;
    if (failures.length > 0)
      log.error("schedule backstop: some schedules could not be checked", { failed: failures.length, error: asError(failures[0]) });
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return report;
}
