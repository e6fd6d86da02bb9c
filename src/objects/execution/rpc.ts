import type { ExecutionRpc } from "../../services/execution-rpc";

/** The execution object's stub, typed by the interface the services call runs through. */
export function executionStub(namespace: DurableObjectNamespace, id: string): ExecutionRpc {
  return namespace.get(namespace.idFromName(id)) as unknown as ExecutionRpc;
}
