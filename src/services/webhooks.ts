/**
 * Webhook subscriptions: an account's outbound callbacks for execution events. The subscription rows
 * live in the account database; each subscription's deliveries (queue and log) live in its delivery
 * object, reached through DeliveryRpc.
 */
import type { Delivery } from "../deliveries/types";
import { AppError, conflict, notFound } from "../errors";
import { newId } from "../lib/ids";
import type { JsonValue } from "../lib/json";
import { checkUrl, type PrivateNetworkPolicy } from "../nodes/capabilities/network-policy";
import { decodeCursor, encodeCursor } from "../storage/cursor";
import type { Page, Storage, WebhookSubscriptionPatch, WebhookSubscriptionRecord } from "../storage/types";
import type { Vault } from "../vault/vault";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { DeliveryOwner, DeliveryRpc } from "./delivery-rpc";
import { testEvent } from "./execution-events";
import type { DeliveryView, WebhookView, WebhookWithSecret } from "./webhook-schemas";
import { newWebhookSecret, sealWebhookSecret } from "./webhook-secrets";
import { asError, log } from "../lib/log";

/** Subscriptions per account: each one is a delivery queue that every run event of the account may reach. */
export const MAX_SUBSCRIPTIONS = 100;
export const MAX_URL_LENGTH = 2048;

export interface WebhookInput {
  url: string;
  events: string[];
  flow_id?: string | null | undefined;
  description?: string | null | undefined;
}

export type WebhookPatch = Partial<WebhookInput> & { enabled?: boolean | undefined };

/**
 * Why a URL cannot receive webhooks, or null when it can: https to an address the private-network
 * policy allows (the policy `ctx.http` applies), or plain http to this machine when private
 * addresses are allowed (local development). Messages name the rule, never the URL.
 */
export function webhookUrlProblem(url: string, policy: PrivateNetworkPolicy): string | null {
  if (url.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute https URL";
  }
  if (parsed.username !== "" || parsed.password !== "") return "must not carry a username or password";
  if (parsed.protocol === "http:") {
    if (policy !== "allow" || !isLoopback(parsed.hostname))
      return "must use https (plain http is accepted for loopback addresses in local development only)";
  } else if (parsed.protocol !== "https:") {
    return "must be an absolute https URL";
  }
  const check = checkUrl(parsed, policy);
  return check.ok ? null : check.message;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const view = (r: WebhookSubscriptionRecord): WebhookView => ({
  id: r.id,
  url: r.url,
  events: r.events,
  flow_id: r.flow_id,
  description: r.description,
  enabled: r.enabled,
  disabled_reason: r.disabled_reason,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

const iso = (ms: number) => new Date(ms).toISOString();

export function deliveryView(d: Delivery): DeliveryView {
  return {
    id: d.id,
    event_type: d.event_type,
    status: d.status,
    created_at: iso(d.created_at),
    next_attempt_at: d.next_attempt_at === null ? null : iso(d.next_attempt_at),
    attempt_count: d.attempt_count,
    attempts: d.attempts.map((a) => ({ ...a, at: iso(a.at) })),
    failure: d.failure,
    payload: JSON.parse(d.payload) as JsonValue,
  };
}

export class WebhookService {
  constructor(
    private readonly storage: Storage,
    private readonly vault: Vault,
    private readonly audit: AuditService,
    private readonly deliveries: (subscriptionId: string) => DeliveryRpc,
    private readonly privateNetwork: PrivateNetworkPolicy,
    private readonly defer: (work: Promise<unknown>) => void,
  ) {}

  async create(principal: Principal, input: WebhookInput): Promise<WebhookWithSecret> {
    const accountId = principal.account_id;
    this.requireUrl(input.url);
    const flowId = input.flow_id ?? null;
    if (flowId !== null) await this.requireFlow(accountId, flowId);
    const existing = await this.storage.webhooks.list(accountId, { limit: MAX_SUBSCRIPTIONS });
    if (existing.items.length >= MAX_SUBSCRIPTIONS) {
      throw conflict(`An account can have at most ${MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first`, {
        limit: MAX_SUBSCRIPTIONS,
      });
    }
    const id = newId("whk");
    const secret = newWebhookSecret();
    const now = new Date().toISOString();
    const record: WebhookSubscriptionRecord = {
      id,
      account_id: accountId,
      url: input.url,
      events: unique(input.events),
      flow_id: flowId,
      description: input.description ?? null,
      secret_ciphertext: await sealWebhookSecret(this.vault, accountId, id, secret),
      enabled: true,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
    };
    await this.storage.webhooks.create(record);
    this.audit.recordFor(
      principal,
      "webhook.created",
      { type: "webhook", id },
      { host: new URL(record.url).host, events: record.events, flow_id: flowId },
    );
    return { ...view(record), secret };
  }

  async list(accountId: string, limit: number, cursor?: string): Promise<Page<WebhookView>> {
    const page = await this.storage.webhooks.list(accountId, { limit, cursor });
    return { items: page.items.map(view), next_cursor: page.next_cursor };
  }

  async get(accountId: string, id: string): Promise<WebhookView> {
    return view(await this.record(accountId, id));
  }

  async update(principal: Principal, id: string, patch: WebhookPatch): Promise<WebhookView> {
    const accountId = principal.account_id;
    const current = await this.record(accountId, id);
    const changes: WebhookSubscriptionPatch = {};
    if (patch.url !== undefined) {
      this.requireUrl(patch.url);
      changes.url = patch.url;
    }
    if (patch.events !== undefined) changes.events = unique(patch.events);
    if (patch.flow_id !== undefined) {
      if (patch.flow_id !== null) await this.requireFlow(accountId, patch.flow_id);
      changes.flow_id = patch.flow_id;
    }
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.enabled !== undefined) {
      changes.enabled = patch.enabled;
      // Enabled again, or disabled by hand: no automatic reason applies any more.
      changes.disabled_reason = null;
    }
    const changed = Object.keys(changes).filter((k) => k !== "disabled_reason");
    if (changed.length === 0) return view(current);
    const updated = await this.storage.webhooks.update(accountId, id, changes, new Date().toISOString());
    if (!updated) throw notFound("Webhook subscription");
    if (patch.enabled === true) await this.deliveries(id).resume(owner(updated));
    this.audit.recordFor(principal, "webhook.updated", { type: "webhook", id }, { changed, enabled: updated.enabled });
    return view(updated);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const accountId = principal.account_id;
    if (!(await this.storage.webhooks.delete(accountId, id))) throw notFound("Webhook subscription");
    // Its queue would find the subscription gone at its next attempt anyway; this empties the log now.
    this.defer(
      this.deliveries(id)
        .destroy({ subscription_id: id, account_id: accountId })
        .catch((error: unknown) => log.error("webhook delivery queue not cleared", { subscription_id: id, error: asError(error) })),
    );
    this.audit.recordFor(principal, "webhook.deleted", { type: "webhook", id });
  }

  /** A new signing secret; the old one stops signing at once. */
  async rotateSecret(principal: Principal, id: string): Promise<WebhookWithSecret> {
    const accountId = principal.account_id;
    await this.record(accountId, id);
    const secret = newWebhookSecret();
    const sealed = await sealWebhookSecret(this.vault, accountId, id, secret);
    const updated = await this.storage.webhooks.update(accountId, id, { secret_ciphertext: sealed }, new Date().toISOString());
    if (!updated) throw notFound("Webhook subscription");
    this.audit.recordFor(principal, "webhook.updated", { type: "webhook", id }, { changed: ["secret"] });
    return { ...view(updated), secret };
  }

  async deliveryLog(accountId: string, id: string, limit: number, cursor?: string): Promise<Page<DeliveryView>> {
    const subscription = await this.record(accountId, id);
    const before = cursor === undefined ? undefined : decodeCursor(cursor, ["created_at", "id"] as const);
    const rows = await this.deliveries(id).list(
      owner(subscription),
      limit + 1,
      before ? { created_at: Number(before.created_at), id: String(before.id) } : undefined,
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(deliveryView),
      next_cursor: rows.length > limit && last ? encodeCursor({ created_at: last.created_at, id: last.id }) : null,
    };
  }

  async delivery(accountId: string, id: string, deliveryId: string): Promise<DeliveryView> {
    const subscription = await this.record(accountId, id);
    const delivery = await this.deliveries(id).get(owner(subscription), deliveryId);
    if (!delivery) throw notFound("Delivery");
    return deliveryView(delivery);
  }

  /** Sends a logged delivery again, under its message id. */
  async redeliver(accountId: string, id: string, deliveryId: string): Promise<DeliveryView> {
    const subscription = this.requireEnabled(await this.record(accountId, id));
    const delivery = await this.deliveries(id).redeliver(owner(subscription), deliveryId);
    if (!delivery) throw notFound("Delivery");
    return deliveryView(delivery);
  }

  /** Queues a `webhook.test` event, whatever events the subscription asks for. */
  async test(accountId: string, id: string): Promise<DeliveryView> {
    const subscription = this.requireEnabled(await this.record(accountId, id));
    const message = { id: newId("msg"), event_type: "webhook.test", payload: JSON.stringify(testEvent(id, new Date().toISOString())) };
    const rpc = this.deliveries(id);
    const queued = await rpc.enqueue(owner(subscription), message);
    if (queued === "full") throw conflict("The subscription's delivery queue is full; wait for its pending deliveries");
    if (queued === "refused") throw new AppError(500, "internal", "The subscription's delivery queue belongs to another subscription");
    const delivery = await rpc.get(owner(subscription), message.id);
    if (!delivery) throw new AppError(500, "internal", "The test delivery was not recorded");
    return deliveryView(delivery);
  }

  private async record(accountId: string, id: string): Promise<WebhookSubscriptionRecord> {
    const record = await this.storage.webhooks.get(accountId, id);
    if (!record) throw notFound("Webhook subscription");
    return record;
  }

  private requireEnabled(subscription: WebhookSubscriptionRecord): WebhookSubscriptionRecord {
    if (!subscription.enabled) throw conflict("The subscription is disabled; enable it first (PATCH with enabled: true)");
    return subscription;
  }

  private requireUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.privateNetwork);
    if (problem) throw invalidField("url", `url ${problem}`);
  }

  private async requireFlow(accountId: string, flowId: string): Promise<void> {
    if (!(await this.storage.flows.get(accountId, flowId))) throw invalidField("flow_id", `flow_id: no flow '${flowId}' in this account`);
  }
}

const owner = (s: Pick<WebhookSubscriptionRecord, "id" | "account_id">): DeliveryOwner => ({
  subscription_id: s.id,
  account_id: s.account_id,
});
const unique = (values: string[]) => [...new Set(values)];

function invalidField(path: string, message: string): AppError {
  return new AppError(400, "validation_failed", message, { in: "body", fields: [{ path, message }] });
}
