import type { StartRequest } from "../../engine/engine";
import type { ChildResult } from "../../engine/host";
import type { ExecutionState } from "../../engine/types";
import type { Env } from "../../env";
import { derivedId } from "../../lib/ids";
import { NodeError } from "../../engine/outcome";
import { isRecord, type JsonValue } from "../../lib/json";
import { prepareRun } from "../../services/prepare-run";
import { PluginDirectory } from "../../plugins/directory";
import type { Storage } from "../../storage/types";
import { executionStub } from "./rpc";
import type { ExecutionView } from "../../services/execution-schemas";

/** Sub-flows may nest this deep; deeper is almost always a flow calling itself by mistake. */
export const MAX_FLOW_DEPTH = 10;

/** How long one wait for a child's end lasts before it is asked again (it answers at once when final). */
const CHILD_POLL_MS = 10_000;

/**
 * Starts a child execution, or finds it when it exists: its id is derived from the parent, the
 * branch (token) and `slot` (the attempt of a `flow` node, or `step:<key>` for a node's runChild),
 * so a retried or repeated start finds the same child. With `wait`, the child reports its end to the
 * parent branch (childFinished).
 */
export async function startChild(
  env: Env,
  storage: Storage,
  parent: ExecutionState,
  tokenId: number,
  slot: string,
  request: { flowId: string; input: JsonValue; version?: number; wait: boolean },
): Promise<string> {
  if ((parent.depth ?? 0) + 1 > MAX_FLOW_DEPTH) {
    throw new NodeError("flow_depth_exceeded", `Sub-flows nest more than ${MAX_FLOW_DEPTH} deep`, null, false);
  }
  const plugins = PluginDirectory.fromBindings(storage.plugins, env);
  const prepared = await prepareRun(storage.flows, parent.account_id, request.flowId, request.version, plugins);
  if (!prepared.ok) {
    throw new NodeError(prepared.code === "invalid_flow" ? "invalid_flow" : "flow_not_found", prepared.message, null, false);
  }
  const id = await derivedId("exe", parent.id, `${parent.id}:child:${tokenId}:${slot}`);
  const start: StartRequest = {
    id,
    account_id: parent.account_id,
    flow_id: prepared.flow_id,
    flow_version: prepared.flow_version,
    flow: prepared.flow,
    input: request.input,
    trigger: "subflow",
    parent: request.wait ? { execution_id: parent.id, token_id: tokenId } : null,
    depth: (parent.depth ?? 0) + 1,
  };
  await executionStub(env.EXECUTIONS, id).start({ request: start, waitMs: 0 });
  return id;
}

/**
 * Waits until the child run is final, asking it in slices, and answers how it ended. Aborting
 * `signal` stops waiting; when the reason is that this run ended (a `cancelled` NodeError), the
 * child is cancelled too (`defer` keeps that call alive past the abort).
 */
export async function awaitChild(
  env: Env,
  accountId: string,
  id: string,
  signal: AbortSignal,
  defer: (work: Promise<unknown>) => void,
): Promise<ChildResult> {
  const child = executionStub(env.EXECUTIONS, id);
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      const reason: unknown = signal.reason;
      if (reason instanceof NodeError && reason.code === "cancelled") defer(child.cancel(accountId));
      reject(reason instanceof Error ? reason : new NodeError("cancelled", "Stopped waiting for the child execution"));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    for (;;) {
      const view = await Promise.race([child.waitFor(accountId, CHILD_POLL_MS), aborted]);
      if (!view) throw new NodeError("flow_not_found", `The child execution ${id} does not exist`, null, false);
      const result = childResultOf(view);
      if (result) return result;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** How the child ended, or null while it runs. */
const CHILD_END: readonly ChildResult["status"][] = ["completed", "failed", "cancelled"];

function childResultOf(view: ExecutionView): ChildResult | null {
  const status = CHILD_END.find((s) => s === view.status);
  if (!status) return null;
  const error = view.error;
  return {
    status,
    output: view.output,
    error:
      isRecord(error) && typeof error.code === "string" && typeof error.message === "string"
        ? { code: error.code, message: error.message }
        : null,
  };
}
