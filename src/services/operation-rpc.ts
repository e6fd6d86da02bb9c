import type { OperationStart } from "../operations/runner";
import type { OperationView } from "./operation-schemas";

/**
 * How the services reach a bulk operation: the operation object (src/objects/operations), one per
 * operation id, implements this. As with ExecutionRpc, callers use this interface rather than the
 * generated stub type. Methods taking an account id answer null for any other account.
 */
export interface OperationRpc {
  /** Starts the operation (a repeat answers the one already started) and arms its alarm. */
  start(init: OperationStart): Promise<OperationView>;
  describe(accountId: string): Promise<OperationView | null>;
  /** Stops it; an operation that has ended is answered as it is. */
  cancel(accountId: string): Promise<OperationView | null>;
}
