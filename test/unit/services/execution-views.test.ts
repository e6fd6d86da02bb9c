import { describe, expect, it } from "vitest";
import type { ExecutionState, Token, TokenPosition, TokenState } from "../../../src/engine/types";
import type { JsonValue } from "../../../src/lib/json";
import { positionOf } from "../../../src/objects/execution/sqlite-rows";
import { currentNodes, executionView, summaryOf } from "../../../src/objects/execution/views";
import { ExecutionSchema, ExecutionSummarySchema } from "../../../src/services/execution-schemas";

const token = (id: number, node_id: string, state: TokenState, pending: Token["pending"] = null): Token =>
  ({ id, node_id, state, input: null, attempt: 1, from_node: null, pending, step_seq: null }) as Token;

const state: ExecutionState = {
  id: "exe_0123456789abcdefghijklmno",
  account_id: "acc_0123456789abcdefghijklmno",
  flow_id: "flw_0123456789abcdefghijklmno",
  flow_version: 2,
  flow: { metadata: { name: "x" }, nodes: {}, start: "a" } as unknown as ExecutionState["flow"],
  input: { a: 1 },
  status: "waiting",
  created_at: "2026-01-01T00:00:00.000Z",
  finished_at: null,
  output: null,
  error: null,
  shared: {},
  step_count: 3,
  step_limit: 1000,
  parent: null,
  ends: {},
  start_node: "a",
  trigger: "api",
};

describe("currentNodes", () => {
  it("lists each node with a running or waiting branch once, in token order, without branches parked at a join", () => {
    const tokens = [
      token(1, "merge", "joining"),
      token(2, "approve", "waiting_event", { event: "approval" }),
      token(3, "fetch", "retry_wait"),
      token(4, "approve", "sleeping"),
      token(5, "merge", "joining"),
    ];
    expect(currentNodes(tokens)).toEqual(["approve", "fetch"]);
    expect(currentNodes([token(1, "merge", "joining")])).toEqual([]);
    expect(currentNodes([])).toEqual([]);
  });

  it("is what both the detail view and the list summary show", () => {
    const tokens = [token(1, "merge", "joining"), token(2, "approve", "waiting_event", { event: "approval" })];
    const view = executionView(state, tokens, null);
    const summary = summaryOf(state, tokens, "2026-01-02T03:04:06.000Z", 0);
    expect(view.current_nodes).toEqual(["approve"]);
    expect(summary.current_nodes).toEqual(view.current_nodes);
  });

  it("builds answers that the API's own schemas accept", () => {
    const tokens = [token(2, "approve", "waiting_event", { event: "approval" })];
    const failed: ExecutionState = { ...state, status: "failed", error: { code: "boom", message: "it broke", node_id: "approve" } };
    expect(ExecutionSchema.safeParse(executionView(failed, tokens, null)).success).toBe(true);
    const { account_id: _a, ...listed } = summaryOf(failed, tokens, "2026-01-02T03:04:06.000Z", 0);
    expect(ExecutionSummarySchema.safeParse(listed).success).toBe(true);
    expect(ExecutionSchema.safeParse({ ...executionView(state, tokens, null), status: "paused" }).success).toBe(false);
  });
});

describe("waiting_for", () => {
  it("shows what a node that paused for an event shows, and nothing more for a wait node", () => {
    const proposal = { tool: "search", arguments: { q: "weather" } };
    const tokens = [
      token(1, "approve", "waiting_event", { event: "approval" }),
      token(2, "agent", "waiting_event", { event: "approve_tool", resume: { key: "event:approve_tool#1", data: proposal } }),
      token(3, "agent2", "waiting_event", { event: "approve_tool", resume: { key: "event:approve_tool#1" } }),
    ];
    const view = executionView(state, tokens, null);
    expect(view.waiting_for).toEqual([
      { node_id: "approve", state: "waiting_event", event: "approval" },
      { node_id: "agent", state: "waiting_event", event: "approve_tool", data: proposal },
      { node_id: "agent2", state: "waiting_event", event: "approve_tool" },
    ]);
    expect(ExecutionSchema.safeParse(view).success).toBe(true);
  });
});

describe("stored token positions", () => {
  it("reads back what a paused node's branch needs to go on", () => {
    const resume = { key: "event:approve_tool#2", data: { tool: "search" } };
    const positions: TokenPosition[] = [
      { state: "waiting_event", pending: { event: "approve_tool", resume } },
      { state: "waiting_event", pending: { event: "approval" } },
      { state: "ready", pending: { resume: true } },
      { state: "ready", pending: null },
    ];
    for (const position of positions) {
      expect(positionOf(position.state, JSON.parse(JSON.stringify(position.pending)) as JsonValue)).toEqual(position);
    }
  });
});
