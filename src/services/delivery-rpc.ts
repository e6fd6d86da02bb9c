import type { EnqueueResult, OutboundMessage } from "../deliveries/queue";
import type { Delivery } from "../deliveries/types";

/** Which subscription a delivery queue serves; every call names it, and a queue answers its own account only. */
export interface DeliveryOwner {
  subscription_id: string;
  account_id: string;
}

/**
 * How the services and runs reach a subscription's delivery queue: the delivery object implements
 * this (src/objects/deliveries), one per subscription. Calls naming another account than the queue's
 * find nothing.
 */
export interface DeliveryRpc {
  /** `refused` when the queue serves another subscription (never, for the ids the services hand out). */
  enqueue(owner: DeliveryOwner, message: OutboundMessage): Promise<EnqueueResult | "refused">;
  /** Newest first; `before` is the (created_at, id) of the previous page's last delivery. */
  list(owner: DeliveryOwner, limit: number, before?: { created_at: number; id: string }): Promise<Delivery[]>;
  get(owner: DeliveryOwner, id: string): Promise<Delivery | null>;
  redeliver(owner: DeliveryOwner, id: string): Promise<Delivery | null>;
  /** The subscription was enabled again: its failure streak starts over. */
  resume(owner: DeliveryOwner): Promise<void>;
  /** The subscription was deleted: its queue and log go. */
  destroy(owner: DeliveryOwner): Promise<void>;
}
