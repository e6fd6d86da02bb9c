import { DurableObject } from "cloudflare:workers";
import { DeliveryQueue, type EnqueueResult, type OutboundMessage, type SubscriptionNow } from "../../deliveries/queue";
import { createSender } from "../../deliveries/send";
import type { Delivery } from "../../deliveries/types";
import { parseConfig, type Env } from "../../env";
import type { DeliveryOwner, DeliveryRpc } from "../../services/delivery-rpc";
import { openWebhookSecret } from "../../services/webhook-secrets";
import { createStorage } from "../../storage";
import type { Storage } from "../../storage/types";
import { createVault, type Vault } from "../../vault";
import { SqliteDeliveryStore } from "./sqlite-store";
import { asError, log } from "../../lib/log";

const ALARM_RETRY_MS = 60_000;

/**
 * The outbound webhook deliveries of one subscription (named by its id): a queue in the object's
 * SQLite storage and one alarm at the earliest due attempt. A thin adapter that gives the pure
 * DeliveryQueue its Workers-backed ports; the subscription itself (URL, secret, switch) is read from
 * the account database at each send, so an edit or a rotated secret applies to the next attempt.
 */
export class DeliveryObject extends DurableObject<Env> implements DeliveryRpc {
  private readonly store: SqliteDeliveryStore;
  private readonly queue: DeliveryQueue;
  private readonly storage: Storage;
  private readonly vault: Vault;
  /** The opened secret, by its ciphertext: decrypted once per rotation, not per attempt. */
  private secret: { sealed: string; plain: string } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SqliteDeliveryStore(ctx.storage.sql);
    this.storage = createStorage(env, { defer: (work) => ctx.waitUntil(work), connections: 1 });
    this.vault = createVault(this.storage.secrets, env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID);
    const now = () => Date.now();
    this.queue = new DeliveryQueue({
      store: this.store,
      now,
      random: () => Math.random(),
      subscription: () => this.subscription(),
      send: createSender({ fetch: (input, init) => fetch(input, init), privateNetwork: parseConfig(env).privateNetwork, now }),
      disable: async (reason) => {
        const owner = this.store.owner();
        if (!owner) return;
        await this.storage.webhooks.update(
          owner.account_id,
          owner.subscription_id,
          { enabled: false, disabled_reason: reason },
          new Date(now()).toISOString(),
        );
        log.warn("webhook subscription disabled", { subscription_id: owner.subscription_id, account_id: owner.account_id, reason });
      },
      setAlarm: async (at) => {
        if (at === null) await ctx.storage.deleteAlarm();
        else await ctx.storage.setAlarm(at);
      },
    });
  }

  async enqueue(owner: DeliveryOwner, message: OutboundMessage): Promise<EnqueueResult | "refused"> {
    if (!this.adopt(owner)) return "refused";
    return this.queue.enqueue(message);
  }

  async list(owner: DeliveryOwner, limit: number, before?: { created_at: number; id: string }): Promise<Delivery[]> {
    return this.owns(owner) ? this.store.list(limit, before) : [];
  }

  async get(owner: DeliveryOwner, id: string): Promise<Delivery | null> {
    return this.owns(owner) ? this.store.get(id) : null;
  }

  async redeliver(owner: DeliveryOwner, id: string): Promise<Delivery | null> {
    return this.owns(owner) ? this.queue.redeliver(id) : null;
  }

  async resume(owner: DeliveryOwner): Promise<void> {
    if (this.owns(owner)) this.queue.resume();
  }

  async destroy(owner: DeliveryOwner): Promise<void> {
    if (!this.owns(owner)) return;
    this.store.clear();
    await this.ctx.storage.deleteAlarm();
  }

  override async alarm(): Promise<void> {
    try {
      await this.queue.onAlarm();
    } catch (error) {
      // The account database or the vault could not be read: try again later rather than let the
      // runtime's own alarm retries run out and leave the queue without an alarm.
      log.error("webhook deliveries: alarm failed; retrying in a minute", { error: asError(error) });
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    }
  }

  /** Records the subscription on first use; false when the object already serves another account's one. */
  private adopt(owner: DeliveryOwner): boolean {
    const known = this.store.owner();
    if (!known) this.store.setOwner(owner);
    return !known || sameOwner(known, owner);
  }

  private owns(owner: DeliveryOwner): boolean {
    const known = this.store.owner();
    return known !== null && sameOwner(known, owner);
  }

  private async subscription(): Promise<SubscriptionNow | null> {
    const owner = this.store.owner();
    if (!owner) return null;
    const record = await this.storage.webhooks.get(owner.account_id, owner.subscription_id);
    if (!record) return null;
    if (this.secret?.sealed !== record.secret_ciphertext) {
      this.secret = { sealed: record.secret_ciphertext, plain: await openWebhookSecret(this.vault, record) };
    }
    return { enabled: record.enabled, target: { url: record.url, secret: this.secret.plain } };
  }
}

const sameOwner = (a: DeliveryOwner, b: DeliveryOwner) => a.account_id === b.account_id && a.subscription_id === b.subscription_id;
