/**
 * `ctx.schedules`: the account's schedules, for the `cron` node. The host builds it over the
 * schedule service (on Workers: the trigger rows and the schedule objects); failures arrive as
 * NodeErrors with codes the node passes on (`not_found`, `invalid_params`, `conflict`).
 */
import type { JsonValue } from "../../lib/json";
import type { ScheduleView } from "../../services/schedule-schemas";

export interface NodeScheduleRequest {
  /** The flow each tick starts. */
  flowId: string;
  /** The schedule's id within that flow: a second request with the same key replaces the first. */
  key: string;
  cron: string;
  timezone: string | undefined;
  input: JsonValue;
  /** The node the runs start at; the flow's start when undefined. */
  startNode: string | undefined;
}

export interface NodeSchedules {
  /** Creates or replaces the schedule with this key, and arms it. */
  put(request: NodeScheduleRequest): Promise<ScheduleView>;
  /** The account's schedules (of one flow when given), both those flows declare and those nodes made. */
  list(flowId: string | undefined): Promise<ScheduleView[]>;
  /** By public id (`trg_…`), or by key among the schedules of `flowId`; null when there is none. */
  get(ref: string, flowId: string): Promise<ScheduleView | null>;
  /** Deletes a schedule a node made (by id or key, as `get`); false when there is none. */
  delete(ref: string, flowId: string): Promise<{ id: string | null; deleted: boolean }>;
}
