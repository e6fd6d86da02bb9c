/**
 * `require_approval`: before a listed tool runs, the run waits (status `waiting`) for the event
 * `approve_tool` with the proposed call in what it waits for. The answer approves, approves with
 * edited arguments, or rejects (the model is told, and may go on without the tool).
 *
 *   POST /api/v1/executions/{id}/events/approve_tool
 *   {"approve": true} | {"approve": true, "arguments": {...}} | {"approve": false, "reason": "..."}
 */
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import type { NodeContext } from "../types";

export const APPROVAL_EVENT = "approve_tool";

export interface ApprovalOptions {
  /** Tool names that need an approval. */
  tools: ReadonlySet<string>;
  /** How long to wait for one (ms); undefined: as long as it takes. */
  timeout?: number | undefined;
}

export type Decision = { approved: true; arguments: JsonObject } | { approved: false; reason: string };

export async function approval(
  ctx: Pick<NodeContext, "waitForEvent">,
  options: ApprovalOptions,
  proposal: { tool: string; call_id: string; step: number; arguments: JsonObject },
): Promise<Decision> {
  if (!options.tools.has(proposal.tool)) return { approved: true, arguments: proposal.arguments };
  const answer = await ctx.waitForEvent(APPROVAL_EVENT, {
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    data: proposal as unknown as JsonValue,
  });
  if (!answer.received) return { approved: false, reason: "No one approved the call in time" };
  return decision(answer.payload, proposal.arguments);
}

/** What an approval event says; anything but a clear approval is a rejection. */
export function decision(payload: JsonValue, proposed: JsonObject): Decision {
  if (!isRecord(payload) || payload.approve !== true) {
    const reason =
      isRecord(payload) && typeof payload.reason === "string" && payload.reason.trim() !== "" ? payload.reason : "no reason given";
    return { approved: false, reason: `The call was rejected by a reviewer: ${reason}` };
  }
  return { approved: true, arguments: isRecord(payload.arguments) ? payload.arguments : proposed };
}
