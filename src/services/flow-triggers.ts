/**
 * The trigger rows a flow version declares. A trigger keeps its public id for as long as versions
 * keep declaring its key, so a webhook URL given to another service survives edits of the flow; a
 * key that disappears loses its id, and coming back later gives a new one.
 */
import type { FlowDefinition } from "../flow";
import type { TriggerDefinition } from "../flow/triggers";
import { newId } from "../lib/ids";
import type { FlowRecord, TriggerRecord, TriggerStore } from "../storage/types";
import type { TriggerView } from "./flow-schemas";

/** Public path of a webhook trigger; the API answers it as an absolute URL on the caller's origin. */
export const hookPath = (triggerId: string) => `/hooks/${triggerId}`;

export function triggerRecordsFor(
  flow: FlowDefinition,
  owner: Pick<FlowRecord, "account_id" | "id" | "version">,
  existing: readonly TriggerRecord[],
  now: string,
): TriggerRecord[] {
  const byKey = new Map(existing.filter((t) => t.source === "flow").map((t) => [t.key, t]));
  return (flow.triggers ?? []).map((definition: TriggerDefinition) => {
    const kept = byKey.get(definition.id);
    return {
      id: kept?.id ?? newId("trg"),
      account_id: owner.account_id,
      flow_id: owner.id,
      key: definition.id,
      kind: definition.type,
      source: "flow",
      flow_version: owner.version,
      config: definition as unknown as Record<string, unknown>,
      paused: kept?.paused ?? false,
      created_at: kept?.created_at ?? now,
      updated_at: now,
    };
  });
}

/** The flow's own triggers as stored (at most MAX_TRIGGERS, so one page). */
export async function declaredTriggers(triggers: TriggerStore, accountId: string, flowId: string): Promise<TriggerRecord[]> {
  const page = await triggers.list(accountId, { flow_id: flowId, source: "flow" }, { limit: 100 });
  return page.items;
}

/** What a trigger's public address is made of: the API's origin (webhooks), the mail domain (email). */
export interface TriggerLinks {
  origin: string | undefined;
  emailDomain: string | null;
}

/** The address that always reaches an email trigger (`<trigger id>@<domain>`; the domain is the operator's EMAIL_DOMAIN). */
export const triggerAddress = (triggerId: string, emailDomain: string | null) => `${triggerId}@${emailDomain ?? "<your domain>"}`;

export function triggerView(trigger: TriggerRecord, { origin, emailDomain }: TriggerLinks): TriggerView {
  const config = trigger.config as { enabled?: boolean; description?: string };
  return {
    id: trigger.id,
    key: trigger.key,
    type: trigger.kind,
    source: trigger.source,
    enabled: config.enabled !== false,
    paused: trigger.paused,
    description: config.description ?? null,
    ...(trigger.kind === "webhook" ? { url: `${origin ?? ""}${hookPath(trigger.id)}` } : {}),
    ...(trigger.kind === "email" ? { address: triggerAddress(trigger.id, emailDomain) } : {}),
    config: trigger.config,
  };
}
