/**
 * What every provider checks the same way before it writes triggers, and the
 * execution filters by trigger, for providers that cannot state them in a query.
 */
import { StorageError, type ExecutionFilter, type FlowRecord, type TriggerRecord } from "./types";

/** A flow save writes only triggers its own version declares: same account and flow, `source: "flow"`. */
export function requireFlowTriggers(flow: FlowRecord, triggers: readonly TriggerRecord[]): void {
  for (const trigger of triggers) {
    if (trigger.account_id !== flow.account_id || trigger.flow_id !== flow.id || trigger.source !== "flow") {
      throw new StorageError("conflict", `Trigger ${trigger.id} is not a trigger declared by flow ${flow.id}`);
    }
  }
  if (new Set(triggers.map((t) => t.id)).size !== triggers.length) {
    throw new StorageError("conflict", `Flow ${flow.id} declares one trigger id twice`);
  }
}

export function requireNodeTrigger(trigger: TriggerRecord): void {
  if (trigger.source !== "node") throw new StorageError("conflict", `Trigger ${trigger.id} is declared by its flow, not made by a node`);
}

/** The `trigger_type` and `trigger_id` parts of an execution filter, applied to a summary's `trigger`. */
export function matchesTriggerFilter(trigger: string, filter: Pick<ExecutionFilter, "trigger_type" | "trigger_id">): boolean {
  if (filter.trigger_type && trigger !== filter.trigger_type && !trigger.startsWith(`${filter.trigger_type}:`)) return false;
  if (filter.trigger_id && !trigger.endsWith(`:${filter.trigger_id}`)) return false;
  return true;
}
