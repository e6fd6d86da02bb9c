import type { StartRequest } from "../../engine/engine";
import type { ExecutionState } from "../../engine/types";
import type { Env } from "../../env";
import { derivedId } from "../../lib/ids";
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
import { prepareRun } from "../../services/prepare-run";
import type { Storage } from "../../storage/types";
import { executionStub } from "./rpc";

/** Sub-flows may nest this deep; deeper is almost always a flow calling itself by mistake. */
export const MAX_FLOW_DEPTH = 10;

/** Starts the child execution of a `flow` node; its id is derived from the step, so a retried start finds the same child. */
export async function startChild(
  env: Env,
  storage: Storage,
  parent: ExecutionState,
  tokenId: number,
  attempt: number,
  request: { flowId: string; input: JsonValue; version?: number; wait: boolean },
): Promise<string> {
  if ((parent.depth ?? 0) + 1 > MAX_FLOW_DEPTH) {
    throw new NodeError("flow_depth_exceeded", `Sub-flows nest more than ${MAX_FLOW_DEPTH} deep`, null, false);
  }
  const prepared = await prepareRun(storage.flows, parent.account_id, request.flowId, request.version);
  if (!prepared.ok) {
    throw new NodeError(prepared.code === "invalid_flow" ? "invalid_flow" : "flow_not_found", prepared.message, null, false);
  }
  const id = await derivedId("exe", parent.id, `${parent.id}:child:${tokenId}:${attempt}`);
  const start: StartRequest = {
    id,
    account_id: parent.account_id,
    flow_id: prepared.flow_id,
    flow_version: prepared.flow_version,
    flow: prepared.flow,
    input: request.input,
    trigger: "flow",
    parent: request.wait ? { execution_id: parent.id, token_id: tokenId } : null,
    depth: (parent.depth ?? 0) + 1,
  };
  await executionStub(env.EXECUTIONS, id).start({ request: start, waitMs: 0 });
  return id;
}
