/**
 * The account's schedules: its cron triggers (declared by flows or made by `cron` nodes), each with
 * what its schedule object says (next fire time, recent ticks). Pausing writes the trigger row and
 * then tells the object; the row is the truth either way.
 */
import { NodeError } from "../engine/outcome";
import { AppError, conflict, notFound } from "../errors";
import { cronTriggerSchema, MAX_TRIGGERS } from "../flow/triggers";
import { newId } from "../lib/ids";
import type { NodeScheduleRequest, NodeSchedules } from "../nodes/capabilities/schedules";
import { StorageError, type Page, type Storage, type TriggerRecord } from "../storage/types";
import { cronConfig } from "../triggers/schedule-state";
import type { ScheduleRuntime } from "../triggers/scheduler";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { ExecutionView } from "./execution-schemas";
import { prepareStoredRun } from "./prepare-run";
import type { ScheduleRpc } from "./schedule-rpc";
import type { ScheduleView } from "./schedule-schemas";
import { asError, log } from "../lib/log";

/** Schedules `cron` nodes may keep per flow (a flow declares at most MAX_TRIGGERS itself). */
export const MAX_NODE_SCHEDULES_PER_FLOW = 5 * MAX_TRIGGERS;

const TRIGGER_ID = /^trg_[0-9a-z]{25}$/;

export class ScheduleService {
  constructor(
    private readonly storage: Storage,
    private readonly schedule: (triggerId: string) => ScheduleRpc,
    private readonly audit: AuditService | null,
  ) {}

  async list(accountId: string, filter: { flow_id?: string | undefined }, limit: number, cursor?: string): Promise<Page<ScheduleView>> {
    const page = await this.storage.triggers.list(accountId, { kind: "cron", flow_id: filter.flow_id }, { limit, cursor });
    return { items: await this.views(page.items), next_cursor: page.next_cursor };
  }

  async get(accountId: string, id: string): Promise<ScheduleView> {
    const trigger = await this.require(accountId, id);
    return view(trigger, await this.runtime(trigger));
  }

  async setPaused(principal: Principal, id: string, paused: boolean): Promise<ScheduleView> {
    await this.require(principal.account_id, id);
    const stored = await this.storage.triggers.setPaused(principal.account_id, id, paused, new Date().toISOString());
    if (!stored) throw notFound("Schedule");
    // Told at once rather than in the background, so the answer shows the alarm set or cleared. The
    // pause is stored either way: a schedule that misses this call learns at its next tick or from
    // the backstop, so a failed call is logged, not answered as an error.
    const runtime = await this.schedule(id)
      .refresh(id)
      .catch((error: unknown) => {
        log.error(`schedule refresh after ${paused ? "pause" : "resume"} failed`, { trigger_id: id, error: asError(error) });
        return null;
      });
    this.audit?.recordFor(
      principal,
      paused ? "schedule.paused" : "schedule.resumed",
      { type: "trigger", id },
      { flow_id: stored.flow_id, key: stored.key },
    );
    return view(stored, runtime);
  }

  /** One run now with a fresh id, as a tick would start it; a paused schedule runs too, a switched-off flow does not. */
  async runNow(principal: Principal, id: string): Promise<ExecutionView> {
    await this.require(principal.account_id, id);
    const result = await this.schedule(id).runNow(id, principal.account_id);
    if (!result) throw notFound("Schedule");
    if (!result.ok) throw new AppError(409, "conflict", result.message, { reason: result.code });
    return result.execution;
  }

  /** The `cron` node's view of the account's schedules. Failures are NodeErrors. */
  forNode(accountId: string): NodeSchedules {
    return {
      put: (request) => nodeErrors(() => this.putNodeSchedule(accountId, request)),
      list: (flowId) => nodeErrors(async () => (await this.list(accountId, { flow_id: flowId }, 100)).items),
      get: (ref, flowId) =>
        nodeErrors(async () => {
          const trigger = await this.find(accountId, ref, flowId);
          return trigger ? view(trigger, await this.runtime(trigger)) : null;
        }),
      delete: (ref, flowId) => nodeErrors(() => this.deleteNodeSchedule(accountId, ref, flowId)),
    };
  }

  private async putNodeSchedule(accountId: string, request: NodeScheduleRequest): Promise<ScheduleView> {
    const flow = await this.storage.flows.get(accountId, request.flowId);
    if (!flow) throw notFound(`Flow '${request.flowId}'`);
    const declared = cronTriggerSchema.safeParse({
      type: "cron",
      id: request.key,
      cron: request.cron,
      input: request.input,
      ...(request.timezone === undefined ? {} : { timezone: request.timezone }),
    });
    if (!declared.success) {
      const issue = declared.error.issues[0];
      const field = issue?.path[0] === "id" ? "id" : issue?.path[0] === "cron" ? "schedule" : String(issue?.path[0] ?? "schedule");
      throw new AppError(400, "validation_failed", `${field}: ${issue?.message ?? "invalid"}`, { field });
    }
    if (request.startNode !== undefined) {
      const prepared = await prepareStoredRun(this.storage.flows, flow);
      if (prepared.ok && !prepared.flow.nodes[request.startNode]) {
        throw new AppError(400, "validation_failed", `node_id: flow '${flow.name}' has no node '${request.startNode}'`, {
          field: "node_id",
        });
      }
    }
    const mine = await this.storage.triggers.list(
      accountId,
      { flow_id: flow.id, source: "node" },
      { limit: MAX_NODE_SCHEDULES_PER_FLOW + 1 },
    );
    const existing = mine.items.find((t) => t.key === request.key && t.kind === "cron");
    if (!existing && mine.items.length >= MAX_NODE_SCHEDULES_PER_FLOW) {
      throw conflict(`Flow '${flow.name}' already has ${MAX_NODE_SCHEDULES_PER_FLOW} schedules made by cron nodes; delete one first`);
    }
    const now = new Date().toISOString();
    const record: TriggerRecord = {
      id: existing?.id ?? newId("trg"),
      account_id: accountId,
      flow_id: flow.id,
      key: request.key,
      kind: "cron",
      source: "node",
      flow_version: flow.version,
      config: { ...declared.data, id: request.key, ...(request.startNode === undefined ? {} : { start_node: request.startNode }) },
      paused: existing?.paused ?? false,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    await this.storage.triggers.putNodeTrigger(record);
    return view(record, await this.schedule(record.id).refresh(record.id));
  }

  private async deleteNodeSchedule(accountId: string, ref: string, flowId: string): Promise<{ id: string | null; deleted: boolean }> {
    const trigger = await this.find(accountId, ref, flowId);
    if (!trigger) return { id: null, deleted: false };
    if (trigger.source !== "node") {
      throw conflict(`Schedule '${trigger.key}' is declared by its flow's triggers; remove it from the flow instead`);
    }
    const deleted = await this.storage.triggers.deleteNodeTrigger(accountId, trigger.id);
    await this.schedule(trigger.id).refresh(trigger.id);
    return { id: trigger.id, deleted };
  }

  /** A cron trigger of the account by public id, or by key among `flowId`'s (one a node made first). */
  private async find(accountId: string, ref: string, flowId: string): Promise<TriggerRecord | null> {
    if (TRIGGER_ID.test(ref)) {
      const trigger = await this.storage.triggers.get(ref);
      return trigger && trigger.account_id === accountId && trigger.kind === "cron" ? trigger : null;
    }
    const page = await this.storage.triggers.list(accountId, { flow_id: flowId, kind: "cron", key: ref }, { limit: 10 });
    return page.items.find((t) => t.source === "node") ?? page.items[0] ?? null;
  }

  private async require(accountId: string, id: string): Promise<TriggerRecord> {
    const trigger = TRIGGER_ID.test(id) ? await this.storage.triggers.get(id) : null;
    // Another account's schedule is not found, exactly like one that does not exist.
    if (!trigger || trigger.account_id !== accountId || trigger.kind !== "cron") throw notFound("Schedule");
    return trigger;
  }

  private async runtime(trigger: TriggerRecord): Promise<ScheduleRuntime | null> {
    try {
      return await this.schedule(trigger.id).describe();
    } catch (error) {
      log.error("schedule describe failed", { trigger_id: trigger.id, error: asError(error) });
      return null;
    }
  }

  private views(triggers: readonly TriggerRecord[]): Promise<ScheduleView[]> {
    return Promise.all(triggers.map(async (t) => view(t, await this.runtime(t))));
  }
}

function view(trigger: TriggerRecord, runtime: ScheduleRuntime | null): ScheduleView {
  const config = cronConfig(trigger);
  const raw = trigger.config as { cron?: unknown; timezone?: unknown; description?: unknown };
  const text = (value: unknown, fallback: string) => (typeof value === "string" ? value : fallback);
  const flowOff = runtime?.inactive === "flow_disabled" || runtime?.inactive === "flow_not_found";
  const state = !config ? "invalid" : !config.enabled ? "disabled" : trigger.paused ? "paused" : flowOff ? "flow_disabled" : "active";
  return {
    id: trigger.id,
    key: trigger.key,
    flow_id: trigger.flow_id,
    source: trigger.source,
    cron: config?.cron ?? text(raw.cron, ""),
    timezone: config?.timezone ?? text(raw.timezone, "UTC"),
    overlap: config?.overlap ?? "allow",
    catchup: config?.catchup ?? "none",
    input: config?.input ?? {},
    start_node: config?.start_node ?? null,
    description: typeof raw.description === "string" ? raw.description : null,
    enabled: config?.enabled ?? false,
    paused: trigger.paused,
    state,
    next_fire_at: state === "active" ? (runtime?.next_fire_at ?? null) : null,
    last_tick_at: runtime?.last_tick_at ?? null,
    recent: runtime?.recent ?? [],
    created_at: trigger.created_at,
    updated_at: trigger.updated_at,
  };
}

/** What the service says, as the node reports it: a NodeError with the API's code (not retried: asking again gives the same answer). */
async function nodeErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) {
      const code = error.status === 404 ? "not_found" : error.status === 409 ? "conflict" : "invalid_params";
      throw new NodeError(code, error.message, null, false);
    }
    if (error instanceof StorageError && error.kind === "conflict") throw new NodeError("conflict", error.message, null, false);
    throw error;
  }
}
