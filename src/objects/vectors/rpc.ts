import type { VectorsRpc } from "../../services/vectors-rpc";

/** The vector object of an account's collection, typed by the interface the client uses. */
export function vectorsStub(namespace: DurableObjectNamespace, accountId: string, collection: string): VectorsRpc {
  return namespace.get(namespace.idFromName(`${accountId}:${collection}`)) as unknown as VectorsRpc;
}
