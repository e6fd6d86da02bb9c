import { describe, expect, it } from "vitest";
import { aggregateRuns, type RunFacts } from "../../../src/storage/metrics-aggregate";
import { nearestRank, tokensOf } from "../../../src/storage/metrics-types";
import { prometheusText } from "../../../src/services/metrics";

const t = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();
const run = (over: Partial<RunFacts>): RunFacts => ({
  flow_id: "flw_a",
  status: "completed",
  step_count: 1,
  tokens: 0,
  created_at: t(0),
  finished_at: t(1),
  error: null,
  ...over,
});

describe("metrics in memory (DynamoDB's way)", () => {
  it("nearest-rank percentiles", () => {
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRank([7], 95)).toBe(7);
    expect(nearestRank([1, 2, 3, 4], 50)).toBe(2);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95)).toBe(19);
  });

  it("counts by status and flow, durations of finished runs, failing nodes, steps and tokens", () => {
    const metrics = aggregateRuns(
      [
        run({ step_count: 2, tokens: 10, finished_at: t(1) }),
        run({ step_count: 3, finished_at: t(4) }),
        run({ flow_id: "flw_b", status: "failed", finished_at: t(2), error: { node_id: "boom" } }),
        run({ flow_id: "flw_b", status: "failed", finished_at: t(9), error: { node_id: "boom" } }),
        run({ flow_id: "flw_b", status: "waiting", finished_at: null, tokens: 5 }),
      ],
      false,
    );
    expect(metrics.runs).toEqual({ total: 5, by_status: { completed: 2, failed: 2, waiting: 1 } });
    expect(metrics.flows).toEqual([
      { flow_id: "flw_b", name: null, total: 3, by_status: { failed: 2, waiting: 1 } },
      { flow_id: "flw_a", name: null, total: 2, by_status: { completed: 2 } },
    ]);
    expect(metrics.duration_ms).toEqual({ finished: 4, p50: 2000, p95: 9000 });
    expect(metrics.failing_nodes).toEqual([{ node_id: "boom", flow_id: "flw_b", count: 2 }]);
    expect(metrics.steps).toBe(8);
    expect(metrics.tokens).toBe(15);
  });

  it("takes total_tokens, else prompt plus completion tokens", () => {
    expect(tokensOf(null)).toBe(0);
    expect(tokensOf({ total_tokens: 42, prompt_tokens: 1 })).toBe(42);
    expect(tokensOf({ prompt_tokens: 12, completion_tokens: 30 })).toBe(42);
    expect(tokensOf({ embeddings: 3 })).toBe(0);
  });
});

describe("Prometheus text", () => {
  it("is exposition format 0.0.4: HELP and TYPE before each family's samples, every status present", () => {
    const text = prometheusText({ recent_runs: { completed: 3, failed: 1 }, accounts: 2, flows: 5, truncated: false });
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n");
    const families = new Set<string>();
    for (const line of lines) {
      const comment = /^# (HELP|TYPE) (\w+) (.+)$/.exec(line);
      if (comment) {
        if (comment[1] === "TYPE") expect(comment[3]).toBe("gauge");
        families.add(comment[2]!);
        continue;
      }
      const sample = /^(\w+)(\{[a-z_]+="[^"]*"\})? (\d+)$/.exec(line);
      expect(sample, line).not.toBeNull();
      expect(families.has(sample![1]!), `${line} comes after its HELP/TYPE`).toBe(true);
    }
    expect(lines).toContain('flowrunner_runs_last_24h{status="completed"} 3');
    expect(lines).toContain('flowrunner_runs_last_24h{status="running"} 0');
    expect(lines).toContain("flowrunner_accounts 2");
    expect(lines).toContain("flowrunner_flows 5");
    expect(lines).toContain("flowrunner_metrics_truncated 0");
  });
});
