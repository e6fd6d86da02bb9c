/**
 * What a run's progress sets off outside it: signed webhooks to the account's subscriptions
 * (execution.completed/failed/waiting/cancelled, step.failed) and the runs its `flow` triggers start.
 * Everything here runs in the background, after the run's own write, and never slows or fails the
 * run. A dispatch may repeat (the object restarted and wrote the same status again): message ids and
 * triggered execution ids are derived from the event, so a repeat queues and starts nothing new.
 */
import type { ExecutionEvent, ExecutionState, ExecutionStatus } from "../../engine/types";
import type { Env } from "../../env";
import { FLOW_TRIGGER_EVENTS } from "../../flow/triggers";
import { derivedId } from "../../lib/ids";
import { isRecord, type JsonValue } from "../../lib/json";
import type { DeliveryRpc } from "../../services/delivery-rpc";
import type { ExecutionRpc } from "../../services/execution-rpc";
import {
  eventKey,
  flowTriggerFires,
  flowTriggerInput,
  runEvent,
  statusEventType,
  stepFailedEvent,
  subscriptionWants,
  type EventPayload,
  type RunFacts,
  type WebhookEvent,
} from "../../services/execution-events";
import { startTriggeredRun } from "../../services/trigger-runs";
import type { ExecutionSummary, Storage, TriggerRecord, WebhookSubscriptionRecord } from "../../storage/types";
import { deliveryStub } from "../deliveries/rpc";
import { MAX_FLOW_DEPTH } from "./children";
import { executionStub } from "./rpc";
import { PluginDirectory } from "../../plugins/directory";
import { asError, log } from "../../lib/log";

/** How long one read of the account's subscriptions serves later events of the run (a burst of failed steps). */
const SUBSCRIPTIONS_TTL_MS = 5_000;

export interface DispatchDeps {
  storage: Storage;
  /** Key of derived ids (as RunService uses). */
  idKey: string;
  deliveries: (subscriptionId: string) => DeliveryRpc;
  execution: (id: string) => ExecutionRpc;
  defer: (work: Promise<unknown>) => void;
  now: () => number;
  /** Where the plugins a triggered flow uses are found. */
  plugins?: PluginDirectory;
}

/** What the run looked like when its status changed, taken at once (the run goes on meanwhile). */
interface StatusChange {
  type: WebhookEvent;
  summary: ExecutionSummary;
  depth: number;
  flowInput: JsonValue;
}

export class RunEventDispatch {
  /** The status last announced by this object; a new object starts without one (a repeat is harmless). */
  private lastStatus: ExecutionStatus | null = null;
  private subscriptions: { at: number; accountId: string; list: Promise<WebhookSubscriptionRecord[]> } | null = null;

  constructor(private readonly deps: DispatchDeps) {}

  /** The summary row was written (`written` settles when it is): announces a status it has not announced yet. */
  transitioned(state: ExecutionState, summary: ExecutionSummary, written: Promise<unknown>): void {
    const previous = this.lastStatus;
    this.lastStatus = summary.status;
    const type = statusEventType(summary.status);
    if (previous === summary.status || type === null) return;
    const change: StatusChange = {
      type,
      summary,
      depth: state.depth ?? 0,
      flowInput: flowTriggerInput({ ...state, status: summary.status }),
    };
    this.background(
      written.then(
        () => this.statusChanged(change),
        () => this.statusChanged(change),
      ),
    );
  }

  /** A step failed for good (no retry left); the run itself may go on along an `error` edge. */
  stepFailed(state: ExecutionState | null, event: ExecutionEvent): void {
    if (!state || event.type !== "step.failed" || event.node_id === null) return;
    const facts: RunFacts = { ...state, error: null, output_preview: null };
    const payload = stepFailedEvent(facts, event.node_id, stepError(event.data), event.at);
    const key = eventKey("step.failed", state, event.seq);
    this.background(this.toSubscriptions(state.account_id, state.flow_id, "step.failed", payload, key));
  }

  private async statusChanged(change: StatusChange): Promise<void> {
    const { summary, type } = change;
    const payload = runEvent(type, summary, summary.updated_at);
    await Promise.all([
      this.toSubscriptions(summary.account_id, summary.flow_id, type, payload, eventKey(type, summary)),
      this.startFlowTriggers(change),
    ]);
  }

  private async toSubscriptions(accountId: string, flowId: string, type: WebhookEvent, payload: EventPayload, key: string): Promise<void> {
    const wanted = (await this.enabledSubscriptions(accountId)).filter((s) => subscriptionWants(s, type, flowId));
    if (wanted.length === 0) return;
    const message = { id: await derivedId("msg", this.deps.idKey, key), event_type: type, payload: JSON.stringify(payload) };
    await Promise.all(
      wanted.map(async (subscription) => {
        const queued = await this.deps
          .deliveries(subscription.id)
          .enqueue({ subscription_id: subscription.id, account_id: accountId }, message);
        if (queued === "full" || queued === "refused")
          log.warn("webhook event not queued", { subscription_id: subscription.id, event: type, message_id: message.id, queued });
      }),
    );
  }

  private async startFlowTriggers({ summary, depth, flowInput }: StatusChange): Promise<void> {
    const status = summary.status;
    if (!(FLOW_TRIGGER_EVENTS as readonly string[]).includes(status)) return;
    const firing = (await this.flowTriggers(summary.account_id)).filter((t) => flowTriggerFires(t, summary.flow_id, status));
    if (firing.length === 0) return;
    // A flow that triggers itself, or two that trigger each other, would otherwise run forever.
    if (depth + 1 > MAX_FLOW_DEPTH) {
      log.warn("flow triggers not started: runs started by flow triggers nest too deep", {
        trigger_ids: firing.map((t) => t.id),
        execution_id: summary.id,
        max_depth: MAX_FLOW_DEPTH,
      });
      return;
    }
    await Promise.all(
      firing.map(async (trigger) => {
        const executionId = await derivedId("exe", this.deps.idKey, `flow:${trigger.id}:${summary.id}:${status}`);
        const deps = { storage: this.deps.storage, execution: this.deps.execution, plugins: this.deps.plugins };
        const result = await startTriggeredRun(deps, { trigger, input: flowInput, executionId, waitMs: 0, depth: depth + 1 });
        if (!result.ok)
          log.info("flow trigger started nothing", { trigger_id: trigger.id, execution_id: summary.id, reason: result.message });
      }),
    );
  }

  private enabledSubscriptions(accountId: string): Promise<WebhookSubscriptionRecord[]> {
    const now = this.deps.now();
    const cached = this.subscriptions;
    if (cached && cached.accountId === accountId && now - cached.at < SUBSCRIPTIONS_TTL_MS) return cached.list;
    const list = this.deps.storage.webhooks.listEnabled(accountId);
    this.subscriptions = { at: now, accountId, list };
    list.catch(() => (this.subscriptions = null));
    return list;
  }

  private async flowTriggers(accountId: string): Promise<TriggerRecord[]> {
    const all: TriggerRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.storage.triggers.list(accountId, { kind: "flow" }, { limit: 100, cursor });
      all.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all;
  }

  private background(work: Promise<unknown>): void {
    this.deps.defer(work.catch((error: unknown) => log.error("run events not dispatched", { error: asError(error) })));
  }
}

/** The dispatcher of an execution object: subscriptions' delivery objects and other executions reached through the env. */
export function runEventDispatch(env: Env, storage: Storage, idKey: string, defer: (work: Promise<unknown>) => void): RunEventDispatch {
  return new RunEventDispatch({
    storage,
    idKey,
    deliveries: (id) => deliveryStub(env.DELIVERIES, id),
    execution: (id) => executionStub(env.EXECUTIONS, id),
    defer,
    now: () => Date.now(),
    plugins: PluginDirectory.fromBindings(storage.plugins, env),
  });
}

function stepError(data: JsonValue): { code: string; message: string } {
  const error = isRecord(data) ? data.error : undefined;
  if (isRecord(error) && typeof error.code === "string" && typeof error.message === "string")
    return { code: error.code, message: error.message };
  return { code: "node_error", message: "The step failed" };
}
