import type { TriggerRecord } from "../storage/types";

/**
 * Reaches the schedule objects. After a flow's triggers change (a save, a delete, the flow switched
 * on or off, a pause), each affected schedule is asked to re-read its trigger and arm or clear its
 * alarm. The trigger rows are the truth: a schedule that is not told (a lost call) finds out at its
 * next tick, or from the every-minute backstop, and never starts a run its trigger no longer allows.
 */
export interface ScheduleControl {
  refresh(triggers: readonly Pick<TriggerRecord, "id" | "account_id" | "kind">[]): Promise<void>;
}
