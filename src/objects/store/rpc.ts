import type { StoreRpc } from "../../services/store-rpc";

/** The store object of an account's namespace, typed by the interface the services use. */
export function storeStub(namespace: DurableObjectNamespace, accountId: string, name: string): StoreRpc {
  return namespace.get(namespace.idFromName(`${accountId}:${name}`)) as unknown as StoreRpc;
}
