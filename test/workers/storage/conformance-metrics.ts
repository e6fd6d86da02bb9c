/** Conformance of the execution index's metrics: the same figures from every provider, scoped to the account and the window. */
import { describe, expect, it } from "vitest";
import type { ExecutionSummary, Storage } from "../../../src/storage/types";
import { at, createAccount, executionSummary, flowPair, uid } from "./conformance-kit";

const run = (accountId: string, flowId: string, second: number, overrides: Partial<ExecutionSummary> = {}) =>
  executionSummary(accountId, {
    flow_id: flowId,
    created_at: at(second),
    updated_at: at(second + 60),
    finished_at: at(second + 1),
    ...overrides,
  });

export function describeMetricsConformance(storageOf: () => Storage): void {
  describe("execution metrics", () => {
    it("aggregates the account's runs of the window: statuses, flows with names, percentiles, failing nodes, steps, tokens", async () => {
      const storage = storageOf();
      const owner = await createAccount(storage);
      const other = await createAccount(storage);
      const [flow, version] = flowPair(owner.id, { name: "Orders" });
      await storage.flows.create(flow, version, []);
      const gone = uid("flw");
      const failed = (node: string) => ({ code: "node_error", message: "no", node_id: node });
      const runs = [
        // Durations 1 s, 2 s, 3 s, 4 s and 10 s: p50 is the 3rd (3 s), p95 the 5th (10 s).
        run(owner.id, flow.id, 0, { finished_at: at(1), step_count: 2, tokens: 100 }),
        run(owner.id, flow.id, 1, { finished_at: at(3), step_count: 3, tokens: 20 }),
        run(owner.id, flow.id, 2, { status: "failed", finished_at: at(5), error: failed("charge") }),
        run(owner.id, gone, 3, { status: "failed", finished_at: at(7), error: failed("charge") }),
        run(owner.id, gone, 4, { status: "failed", finished_at: at(14), error: failed("notify"), step_count: 4 }),
        run(owner.id, flow.id, 5, { status: "waiting", finished_at: null, current_nodes: ["ask"], tokens: 7 }),
        // Outside the window, and another account's run inside it.
        run(owner.id, flow.id, 40, { tokens: 1_000 }),
        run(other.id, flow.id, 6, { tokens: 1_000 }),
      ];
      for (const summary of runs) await storage.executions.upsert(summary);

      const metrics = await storage.executions.metrics(owner.id, { since: at(0), until: at(30) });
      expect(metrics.runs).toEqual({ total: 6, by_status: { completed: 2, failed: 3, waiting: 1 } });
      expect(metrics.flows).toEqual([
        { flow_id: flow.id, name: "Orders", total: 4, by_status: { completed: 2, failed: 1, waiting: 1 } },
        { flow_id: gone, name: null, total: 2, by_status: { failed: 2 } },
      ]);
      expect(metrics.duration_ms).toEqual({ finished: 5, p50: 3000, p95: 10_000 });
      expect(metrics.failing_nodes).toEqual(
        [
          { node_id: "charge", flow_id: flow.id, count: 1 },
          { node_id: "charge", flow_id: gone, count: 1 },
          { node_id: "notify", flow_id: gone, count: 1 },
        ].sort((a, b) => (a.node_id === b.node_id ? (a.flow_id < b.flow_id ? -1 : 1) : a.node_id < b.node_id ? -1 : 1)),
      );
      expect(metrics.steps).toBe(12);
      expect(metrics.tokens).toBe(127);
      expect(metrics.truncated).toBe(false);

      // The window is closed-open, and an empty one has no percentiles.
      const one = await storage.executions.metrics(owner.id, { since: at(1), until: at(2) });
      expect(one.runs).toEqual({ total: 1, by_status: { completed: 1 } });
      expect(one.duration_ms).toEqual({ finished: 1, p50: 2000, p95: 2000 });
      const none = await storage.executions.metrics(owner.id, { since: at(20), until: at(30) });
      expect(none).toMatchObject({ runs: { total: 0, by_status: {} }, flows: [], failing_nodes: [], steps: 0, tokens: 0 });
      expect(none.duration_ms).toEqual({ finished: 0, p50: null, p95: null });
    });

    it("keeps the newest summary's tokens", async () => {
      const storage = storageOf();
      const owner = await createAccount(storage);
      const first = run(owner.id, "flw_t", 0, { status: "running", finished_at: null, tokens: 5, updated_at: at(1) });
      await storage.executions.upsert(first);
      await storage.executions.upsert({ ...first, status: "completed", finished_at: at(2), tokens: 42, updated_at: at(3) });
      await storage.executions.upsert({ ...first, tokens: 9, updated_at: at(2) });
      expect((await storage.executions.get(owner.id, first.id))?.tokens).toBe(42);
      expect((await storage.executions.metrics(owner.id, { since: at(0), until: at(10) })).tokens).toBe(42);
    });

    it("counts the service: recent runs by status, accounts and flows", async () => {
      const storage = storageOf();
      const owner = await createAccount(storage);
      const [flow, version] = flowPair(owner.id);
      await storage.flows.create(flow, version, []);
      // Far ahead, so only this test's runs are recent.
      const since = new Date(Date.UTC(2090, 0, 1)).toISOString();
      const later = (s: number) => new Date(Date.UTC(2090, 0, 1, 0, 0, s)).toISOString();
      await storage.executions.upsert({ ...run(owner.id, flow.id, 0), created_at: later(1), updated_at: later(2), finished_at: later(2) });
      await storage.executions.upsert({
        ...run(owner.id, flow.id, 0, { status: "failed" }),
        created_at: later(3),
        updated_at: later(4),
        finished_at: later(4),
      });
      const service = await storage.executions.serviceMetrics(since);
      expect(service.accounts).toBeGreaterThanOrEqual(1);
      expect(service.flows).toBeGreaterThanOrEqual(1);
      if (!service.truncated) expect(service.recent_runs).toEqual({ completed: 1, failed: 1 });
    });
  });
}
