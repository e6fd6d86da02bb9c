/**
 * The events a run sends out (outbound webhooks) and the input it gives the flows its end starts
 * (`flow` triggers). Pure: the execution object decides when, this module what. An event carries
 * the run's facts and previews only: never its input, never a secret, never the whole output.
 */
import type { ExecutionState, ExecutionStatus } from "../engine/types";
import type { JsonValue } from "../lib/json";
import type { ExecutionSummary, TriggerRecord, WebhookSubscriptionRecord } from "../storage/types";

/** What a subscription can ask for (besides `*`, everything). */
export const WEBHOOK_EVENTS = [
  "execution.completed",
  "execution.failed",
  "execution.waiting",
  "execution.cancelled",
  "step.failed",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const ALL_EVENTS = "*";
/** Sent by POST /webhooks/{id}/test only, whatever the subscription's events. */
export const TEST_EVENT = "webhook.test";

/** What an event says about the run. */
export type RunFacts = Pick<ExecutionSummary, "id" | "flow_id" | "flow_version" | "status" | "trigger" | "error" | "output_preview">;

export interface EventData {
  execution_id: string;
  flow_id: string;
  flow_version: number;
  status: ExecutionStatus;
  trigger: string;
  error?: { code: string; message: string; node_id: string };
  /** The run's output as JSON text, shortened (as in the execution list). */
  output_preview?: string;
  /** step.failed: the node whose step failed. */
  node_id?: string;
}

export interface EventPayload {
  type: string;
  /** ISO time the event happened. */
  timestamp: string;
  data: EventData | { subscription_id: string; message: string };
}

/** The event of a run that reached `status`; none for `running`. */
export function statusEventType(status: ExecutionStatus): WebhookEvent | null {
  return status === "running" ? null : `execution.${status}`;
}

export function runEvent(type: WebhookEvent, run: RunFacts, timestamp: string): EventPayload {
  return {
    type,
    timestamp,
    data: {
      execution_id: run.id,
      flow_id: run.flow_id,
      flow_version: run.flow_version,
      status: run.status,
      trigger: run.trigger,
      ...(run.error ? { error: { code: run.error.code, message: run.error.message, node_id: run.error.node_id } } : {}),
      ...(run.output_preview !== null ? { output_preview: run.output_preview } : {}),
    },
  };
}

/** A step that failed for good (no retry left): the run may still go on along an `error` edge. */
export function stepFailedEvent(run: RunFacts, nodeId: string, error: { code: string; message: string }, timestamp: string): EventPayload {
  return {
    type: "step.failed",
    timestamp,
    data: {
      execution_id: run.id,
      flow_id: run.flow_id,
      flow_version: run.flow_version,
      status: run.status,
      trigger: run.trigger,
      node_id: nodeId,
      error: { code: error.code, message: error.message, node_id: nodeId },
    },
  };
}

export function testEvent(subscriptionId: string, timestamp: string): EventPayload {
  return {
    type: TEST_EVENT,
    timestamp,
    data: { subscription_id: subscriptionId, message: "A test event from FlowRunner: the subscription reaches this URL." },
  };
}

/**
 * What makes an event unique within its run, for its message id: a run ends once, may wait many
 * times (each wait follows new steps, so the step count tells them apart), and each failed step is
 * one record. The same event dispatched twice (after a restart) gets the same id, which the
 * delivery queue keeps only once.
 */
export function eventKey(type: WebhookEvent, run: { id: string; step_count: number }, stepSeq?: number): string {
  if (type === "step.failed") return `${run.id}:${type}:${stepSeq ?? 0}`;
  if (type === "execution.waiting") return `${run.id}:${type}:${run.step_count}`;
  return `${run.id}:${type}`;
}

export function subscriptionWants(
  subscription: Pick<WebhookSubscriptionRecord, "events" | "flow_id">,
  type: string,
  flowId: string,
): boolean {
  if (subscription.flow_id !== null && subscription.flow_id !== flowId) return false;
  return subscription.events.includes(ALL_EVENTS) || subscription.events.includes(type);
}

/** Whether a `flow` trigger starts its flow when a run of `flowId` reaches `status`. */
export function flowTriggerFires(trigger: TriggerRecord, flowId: string, status: ExecutionStatus): boolean {
  const config = trigger.config as { flow_id?: unknown; on?: unknown };
  return trigger.kind === "flow" && config.flow_id === flowId && Array.isArray(config.on) && config.on.includes(status);
}

/** The input of a run a `flow` trigger starts: the source run's facts, output and error. */
export function flowTriggerInput(source: ExecutionState): JsonValue {
  return {
    execution: {
      id: source.id,
      flow_id: source.flow_id,
      flow_version: source.flow_version,
      status: source.status,
      trigger: source.trigger,
    },
    output: source.output,
    error: source.error ? { code: source.error.code, message: source.error.message, node_id: source.error.node_id } : null,
  };
}
