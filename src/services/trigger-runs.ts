/**
 * Starting a run because a trigger fired: a schedule's tick, a call to a webhook URL, another
 * flow's run ending. Every trigger kind goes through here, so they agree on what stops a trigger
 * (the flow switched off, the trigger paused or declared `enabled: false`, the flow gone or no longer
 * valid), on the version that runs (the flow's current one, which declared the trigger) and on what
 * the execution records as its start (`<kind>:<trigger id>`).
 */
import type { JsonValue } from "../lib/json";
import { newId } from "../lib/ids";
import type { AuditEventRecord, Storage, TriggerRecord } from "../storage/types";
import type { ExecutionRpc } from "./execution-rpc";
import type { ExecutionView } from "./execution-schemas";
import { prepareStoredRun } from "./prepare-run";
import type { PluginDirectory } from "../plugins/directory";

export interface TriggeredRun {
  trigger: TriggerRecord;
  input: JsonValue;
  /**
   * The execution's id. Derive it (`derivedId`) from what makes the start unique — the schedule and
   * its tick, the delivery id of a webhook — so a repeat of the same start finds the first run.
   */
  executionId: string;
  /** Wait up to this long for the run to end before answering (0: answer once it is started). */
  waitMs: number;
  /** The caller's address, for the audit trail (webhooks). */
  ip?: string | undefined;
  /** Start at this node instead of the flow's start (schedules a `cron` node made with `node_id`). */
  startNode?: string | undefined;
  /** How many runs led to this one (`flow` triggers: the source run's depth + 1); 0 by default. */
  depth?: number | undefined;
}

export type TriggerSkip = "flow_not_found" | "flow_disabled" | "trigger_disabled" | "trigger_paused" | "invalid_flow";

export type TriggeredRunResult =
  { ok: true; created: boolean; execution: ExecutionView } | { ok: false; code: TriggerSkip; message: string };

export interface TriggerRunDeps {
  storage: Storage;
  execution: (id: string) => ExecutionRpc;
  /** Where the plugins a flow uses are found, to check and pin them. */
  plugins?: PluginDirectory | undefined;
}

/** What an execution records as its start for this trigger; ExecutionFilter.trigger_type/trigger_id match it. */
export function triggerLabel(trigger: Pick<TriggerRecord, "kind" | "id">): string {
  return `${trigger.kind}:${trigger.id}`;
}

/** Starts (or finds, for a repeated id) the run a trigger asks for; a skip says why nothing started. */
export async function startTriggeredRun(deps: TriggerRunDeps, run: TriggeredRun): Promise<TriggeredRunResult> {
  const { trigger } = run;
  if (trigger.config.enabled === false) {
    return { ok: false, code: "trigger_disabled", message: `Trigger '${trigger.key}' is declared with enabled: false` };
  }
  if (trigger.paused) return { ok: false, code: "trigger_paused", message: `Trigger '${trigger.key}' is paused` };
  const flow = await deps.storage.flows.get(trigger.account_id, trigger.flow_id);
  if (!flow) return { ok: false, code: "flow_not_found", message: `Flow '${trigger.flow_id}' no longer exists` };
  if (!flow.enabled) return { ok: false, code: "flow_disabled", message: `Flow '${flow.name}' is disabled` };
  const prepared = await prepareStoredRun(deps.storage.flows, flow, undefined, deps.plugins);
  if (!prepared.ok) return { ok: false, code: "invalid_flow", message: prepared.message };
  if (run.startNode !== undefined && !prepared.flow.nodes[run.startNode]) {
    return { ok: false, code: "invalid_flow", message: `Flow '${flow.name}' has no node '${run.startNode}' to start at` };
  }
  const label = triggerLabel(trigger);
  const audit: AuditEventRecord = {
    id: newId("aud"),
    account_id: trigger.account_id,
    time: new Date().toISOString(),
    actor: null,
    action: "run.started",
    target_type: "execution",
    target_id: run.executionId,
    ip: run.ip ?? null,
    details: { flow_id: prepared.flow_id, flow_version: prepared.flow_version, trigger: label },
  };
  const started = await deps.execution(run.executionId).start({
    request: {
      id: run.executionId,
      account_id: trigger.account_id,
      flow_id: prepared.flow_id,
      flow_version: prepared.flow_version,
      flow: prepared.flow,
      input: run.input,
      trigger: label,
      ...(run.startNode === undefined ? {} : { start_node: run.startNode }),
      ...(run.depth ? { depth: run.depth } : {}),
    },
    waitMs: run.waitMs,
    audit,
  });
  return { ok: true, ...started };
}
