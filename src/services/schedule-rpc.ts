import type { TriggerRecord } from "../storage/types";
import type { ScheduleRuntime } from "../triggers/scheduler";
import type { TriggeredRunResult } from "./trigger-runs";

/**
 * How the services reach a schedule: the schedule object (src/objects/schedule), one per cron
 * trigger, implements this. As with ExecutionRpc, callers use this interface rather than the
 * generated stub type.
 */
export interface ScheduleRpc {
  /** Re-reads the trigger row and arms or clears the alarm; a trigger that is gone leaves nothing behind. */
  refresh(triggerId: string): Promise<ScheduleRuntime>;
  /** The backstop: re-arms only when the alarm is missing or the row changed. */
  ensureArmed(trigger: TriggerRecord): Promise<"armed" | "inactive" | "rearmed">;
  describe(): Promise<ScheduleRuntime>;
  /** One run now with a fresh id; null when the account has no such schedule. */
  runNow(triggerId: string, accountId: string): Promise<TriggeredRunResult | null>;
}
