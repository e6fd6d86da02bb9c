/**
 * `ctx.flows`: the account's flows as tools (the `agent` node's flow tools): found by id or by name,
 * described as their metadata says (src/flow/tool.ts). Built over the flow registry by the host.
 */
import { NodeError } from "../../engine/outcome";
import { flowInputSchema, flowToolDescription, flowToolName, validateFlowMemo } from "../../flow";
import type { JsonObject } from "../../lib/json";
import type { FlowRecord, FlowStore } from "../../storage/types";

export interface NodeFlowTool {
  id: string;
  /** The tool name its metadata gives (`metadata.mcp.name`, else its name in snake_case). */
  toolName: string;
  description: string;
  /** `metadata.input_schema`, else any object. */
  inputSchema: JsonObject;
}

export interface NodeFlows {
  /**
   * The flow with this id, or the one flow with exactly this name (else the one with this name in
   * another case). Null when there is none; fails with `ambiguous_flow` (not retried) when several
   * flows have the name.
   */
  find(ref: string): Promise<NodeFlowTool | null>;
}

const FLOW_ID = /^flw_[a-z0-9]{25}$/;
/** Flows a name lookup reads: names are free text, so the registry's substring filter narrows first. */
const NAME_PAGE = 100;

export function registryFlows(flows: Pick<FlowStore, "get" | "list">, accountId: string): NodeFlows {
  return {
    async find(ref) {
      const record = FLOW_ID.test(ref) ? await flows.get(accountId, ref) : await byName(flows, accountId, ref);
      return record === null ? null : describe(record);
    },
  };
}

async function byName(flows: Pick<FlowStore, "list">, accountId: string, name: string): Promise<FlowRecord | null> {
  const page = await flows.list(accountId, { name_contains: name }, { limit: NAME_PAGE });
  let matches = page.items.filter((flow) => flow.name === name);
  if (matches.length === 0) matches = page.items.filter((flow) => flow.name.toLowerCase() === name.toLowerCase());
  if (matches.length > 1) {
    throw new NodeError(
      "ambiguous_flow",
      `Several flows are named '${name}': ${matches.map((f) => f.id).join(", ")}; use an id`,
      null,
      false,
    );
  }
  return matches[0] ?? null;
}

function describe(flow: FlowRecord): NodeFlowTool {
  const { flow: definition } = validateFlowMemo(flow.content, { name: flow.name, unknownPluginTypes: "warn" });
  const metadata = definition?.metadata ?? { name: flow.name };
  return {
    id: flow.id,
    toolName: flowToolName(metadata),
    description: flowToolDescription(metadata),
    inputSchema: flowInputSchema(metadata),
  };
}

/** Where the host has no registry: every lookup fails with `not_available`. */
export const unavailableFlows: NodeFlows = {
  find: () => Promise.reject(new NodeError("not_available", "This server cannot look up flows for nodes", null, false)),
};
