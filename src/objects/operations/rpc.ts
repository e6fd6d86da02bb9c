import type { OperationRpc } from "../../services/operation-rpc";

/** The object of a bulk operation (one per operation id), typed by the interface the services use. */
export function operationStub(namespace: DurableObjectNamespace, operationId: string): OperationRpc {
  return namespace.get(namespace.idFromName(operationId)) as unknown as OperationRpc;
}
