import type { ScheduleRpc } from "../../services/schedule-rpc";

/** The schedule object of a cron trigger (one per trigger id), typed by the interface the services use. */
export function scheduleStub(namespace: DurableObjectNamespace, triggerId: string): ScheduleRpc {
  return namespace.get(namespace.idFromName(triggerId)) as unknown as ScheduleRpc;
}
