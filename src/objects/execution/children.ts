import type { StartRequest } from "../../engine/engine";
import type { ExecutionState } from "../../engine/types";
import type { Env } from "../../env";
import { validateFlowMemo } from "../../flow";
import { derivedId } from "../../lib/ids";
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
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
  const flow = await storage.flows.get(parent.account_id, request.flowId);
  if (!flow) throw new NodeError("flow_not_found", `No flow '${request.flowId}' in this account`, null, false);
  let content = flow.content;
  let version = flow.version;
  if (request.version !== undefined) {
    const pinned = await storage.flows.getVersion(parent.account_id, request.flowId, request.version);
    if (!pinned) throw new NodeError("flow_not_found", `Flow '${request.flowId}' has no version ${request.version}`, null, false);
    content = pinned.content;
    version = pinned.version;
  }
  const parsed = validateFlowMemo(content);
  if (!parsed.flow) throw new NodeError("invalid_flow", `Flow '${request.flowId}' version ${version} is not valid`, null, false);
  const id = await derivedId("exe", parent.id, `${parent.id}:child:${tokenId}:${attempt}`);
  const start: StartRequest = {
    id,
    account_id: parent.account_id,
    flow_id: flow.id,
    flow_version: version,
    flow: parsed.flow,
    input: request.input,
    trigger: "flow",
    parent: request.wait ? { execution_id: parent.id, token_id: tokenId } : null,
    depth: (parent.depth ?? 0) + 1,
  };
  await executionStub(env.EXECUTIONS, id).start({ request: start, waitMs: 0 });
  return id;
}
