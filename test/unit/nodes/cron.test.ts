/** The `cron` node over a fake `ctx.schedules`: what it asks for, what it outputs, which calls count as side effects. */
import { describe, expect, it } from "vitest";
import { NodeError, type NodeOutcome } from "../../../src/engine/outcome";
import type { NodeScheduleRequest, NodeSchedules } from "../../../src/nodes/capabilities/schedules";
import { cronNode } from "../../../src/nodes/cron/run";
import { runNode } from "../../../src/nodes/lifecycle";
import type { Sandbox } from "../../../src/sandbox";
import type { ScheduleView } from "../../../src/services/schedule-schemas";
import { EXECUTION, secretVault, stepRequest } from "../../helpers/step-request";

const noSandbox: Sandbox = {
  runScript: () => Promise.reject(new Error("no scripts here")),
  evalExpression: () => Promise.reject(new Error("no scripts here")),
};

const view = (request: Pick<NodeScheduleRequest, "flowId" | "key" | "cron">): ScheduleView => ({
  id: "trg_0123456789abcdefghijklmno",
  key: request.key,
  flow_id: request.flowId,
  source: "node",
  cron: request.cron,
  timezone: "UTC",
  overlap: "allow",
  catchup: "none",
  input: {},
  start_node: null,
  description: null,
  enabled: true,
  paused: false,
  state: "active",
  next_fire_at: "2026-01-02T00:00:00.000Z",
  last_tick_at: null,
  recent: [],
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
});

/** A schedules port that records what it was asked; `get` finds only "known". */
function fakeSchedules() {
  const calls: [string, ...unknown[]][] = [];
  const port: NodeSchedules = {
    put: async (request) => (calls.push(["put", request]), view(request)),
    list: async (flowId) => (calls.push(["list", flowId]), [view({ flowId: flowId ?? "any", key: "k", cron: "@daily" })]),
    get: async (ref, flowId) => (calls.push(["get", ref, flowId]), ref === "known" ? view({ flowId, key: ref, cron: "@daily" }) : null),
    delete: async (ref, flowId) => (calls.push(["delete", ref, flowId]), { id: "trg_0123456789abcdefghijklmno", deleted: true }),
  };
  return { port, calls };
}

async function run(params: Record<string, unknown>, port: NodeSchedules | undefined, input: unknown = null): Promise<NodeOutcome> {
  const { request } = stepRequest({ type: "cron", params }, { nodeId: "plan", input: input as never });
  return runNode(request, {
    fetch: () => Promise.reject(new Error("no network")),
    privateNetwork: "deny",
    sandbox: async () => noSandbox,
    secrets: secretVault({}),
    ...(port ? { schedules: (accountId: string) => (expect(accountId).toBe(EXECUTION.account_id), port) } : {}),
  });
}

describe("cron node", () => {
  it("schedule: creates or replaces the schedule keyed by id in flow_id, and outputs it", async () => {
    const { port, calls } = fakeSchedules();
    const outcome = await run(
      { schedule: "0 9 * * MON-FRI", flow_id: "flw_target", id: "weekday", payload: { a: 1 }, node_id: "second", timezone: "Europe/Paris" },
      port,
    );
    expect(calls).toEqual([
      [
        "put",
        { flowId: "flw_target", key: "weekday", cron: "0 9 * * MON-FRI", timezone: "Europe/Paris", input: { a: 1 }, startNode: "second" },
      ],
    ]);
    expect(outcome).toMatchObject({
      kind: "done",
      action: "default",
      output: { key: "weekday", flow_id: "flw_target", cron: "0 9 * * MON-FRI" },
    });
  });

  it("schedule: defaults to this flow, the node's id as key, and {} as input; templates fill the params", async () => {
    const { port, calls } = fakeSchedules();
    await run({ schedule: "${input.when}", payload: "${input.body}" }, port, { when: "@hourly", body: { b: 2 } });
    expect(calls).toEqual([
      ["put", { flowId: EXECUTION.flow_id, key: "plan", cron: "@hourly", timezone: undefined, input: { b: 2 }, startNode: undefined }],
    ]);
    calls.length = 0;
    await run({ schedule: "@daily" }, port);
    expect((calls[0]![1] as NodeScheduleRequest).input).toEqual({});
  });

  it("list, get and delete ask the port and output what it answers", async () => {
    const { port, calls } = fakeSchedules();
    expect(await run({ operation: "list" }, port)).toMatchObject({ output: { schedules: [{ key: "k" }] } });
    expect(await run({ operation: "get", id: "known" }, port)).toMatchObject({ output: { key: "known", flow_id: EXECUTION.flow_id } });
    expect(await run({ operation: "delete", id: "known", flow_id: "flw_other" }, port)).toMatchObject({
      output: { id: "trg_0123456789abcdefghijklmno", deleted: true },
    });
    expect(calls).toEqual([
      ["list", undefined],
      ["get", "known", EXECUTION.flow_id],
      ["delete", "known", "flw_other"],
    ]);
  });

  it("get: a schedule that does not exist fails the step with not_found, not retried", async () => {
    const error = await run({ operation: "get", id: "unknown" }, fakeSchedules().port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ code: "not_found", retryable: false });
  });

  it("fails with not_available where the server has no schedules", async () => {
    await expect(run({ schedule: "@daily" }, undefined)).rejects.toMatchObject({ code: "not_available" });
  });

  it("counts schedule and delete as side effects, list and get not", () => {
    const effects = (params: Record<string, unknown>) => cronNode.sideEffects(cronNode.spec.resolved.parse(params));
    expect(effects({ schedule: "@daily" })).toBe(true);
    expect(effects({ operation: "schedule", schedule: "@daily" })).toBe(true);
    expect(effects({ operation: "delete", id: "x" })).toBe(true);
    expect(effects({ operation: "list" })).toBe(false);
    expect(effects({ operation: "get", id: "x" })).toBe(false);
  });
});
