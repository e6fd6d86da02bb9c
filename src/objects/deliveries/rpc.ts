import type { DeliveryRpc } from "../../services/delivery-rpc";

/** The delivery object of a subscription (one per subscription id), typed by the interface its callers use. */
export function deliveryStub(namespace: DurableObjectNamespace, subscriptionId: string): DeliveryRpc {
  return namespace.get(namespace.idFromName(subscriptionId)) as unknown as DeliveryRpc;
}
