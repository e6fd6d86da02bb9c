import type { ExecutionStatus } from "../engine/types";
import {
  METRICS_FAILING_NODE_LIMIT,
  METRICS_FLOW_LIMIT,
  nearestRank,
  type AccountMetrics,
  type FailingNode,
  type FlowRunCounts,
  type ServiceMetrics,
  type StatusCounts,
} from "./metrics-types";

/** One status group of an aggregate query (Postgres answers counts and sums as strings). */
export interface StatusRow {
  status: ExecutionStatus;
  runs: number | string;
  steps: number | string;
  tokens: number | string;
}

/** One (flow, status) group of an aggregate query. */
export interface FlowStatusCount {
  flow_id: string;
  name: string | null;
  status: ExecutionStatus;
  count: number;
}

/** The per-flow list from (flow, status) groups: most runs first, then by id, at most METRICS_FLOW_LIMIT. */
export function flowCounts(groups: readonly FlowStatusCount[]): FlowRunCounts[] {
  const flows = new Map<string, FlowRunCounts>();
  for (const group of groups) {
    let flow = flows.get(group.flow_id);
    if (!flow) flows.set(group.flow_id, (flow = { flow_id: group.flow_id, name: group.name, total: 0, by_status: {} }));
    flow.total += group.count;
    flow.by_status[group.status] = (flow.by_status[group.status] ?? 0) + group.count;
  }
  return [...flows.values()].sort((a, b) => b.total - a.total || a.flow_id.localeCompare(b.flow_id)).slice(0, METRICS_FLOW_LIMIT);
}

/** Failing nodes most failures first, then by node and flow id, at most METRICS_FAILING_NODE_LIMIT. */
export function topFailingNodes(nodes: readonly FailingNode[]): FailingNode[] {
  return [...nodes]
    .sort((a, b) => b.count - a.count || a.node_id.localeCompare(b.node_id) || a.flow_id.localeCompare(b.flow_id))
    .slice(0, METRICS_FAILING_NODE_LIMIT);
}

/** What the in-memory aggregation (DynamoDB) reads of a run. */
export interface RunFacts {
  flow_id: string;
  status: ExecutionStatus;
  step_count: number;
  tokens: number;
  created_at: string;
  finished_at: string | null;
  error: { node_id: string } | null;
}

/** The account metrics of `runs`, computed as the SQL providers' aggregates compute them (flow names left null). */
export function aggregateRuns(runs: Iterable<RunFacts>, truncated: boolean): AccountMetrics {
  const byStatus: StatusCounts = {};
  const groups = new Map<string, FlowStatusCount>();
  const failing = new Map<string, FailingNode>();
  const durations: number[] = [];
  let total = 0;
  let steps = 0;
  let tokens = 0;
  for (const run of runs) {
    total++;
    steps += run.step_count;
    tokens += run.tokens;
    byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
    const groupKey = `${run.flow_id}\u0000${run.status}`;
    const group = groups.get(groupKey);
    if (group) group.count++;
    else groups.set(groupKey, { flow_id: run.flow_id, name: null, status: run.status, count: 1 });
    if (run.finished_at !== null) durations.push(Date.parse(run.finished_at) - Date.parse(run.created_at));
    if (run.status === "failed" && run.error?.node_id) {
      const nodeKey = `${run.flow_id}\u0000${run.error.node_id}`;
      const node = failing.get(nodeKey);
      if (node) node.count++;
      else failing.set(nodeKey, { node_id: run.error.node_id, flow_id: run.flow_id, count: 1 });
    }
  }
  durations.sort((a, b) => a - b);
  return {
    runs: { total, by_status: byStatus },
    flows: flowCounts([...groups.values()]),
    duration_ms: { finished: durations.length, p50: nearestRank(durations, 50), p95: nearestRank(durations, 95) },
    failing_nodes: topFailingNodes([...failing.values()]),
    steps,
    tokens,
    truncated,
  };
}

/** The figures every SQL provider returns, shaped alike (Postgres answers counts as strings). */
export function accountMetricsFrom(
  statuses: readonly StatusRow[],
  flows: readonly (Omit<FlowStatusCount, "count"> & { count: number | string })[],
  durations: readonly { n: number | string; rn: number | string; ms: number | string }[],
  failing: readonly { node_id: string; flow_id: string; count: number | string }[],
): AccountMetrics {
  const byStatus: StatusCounts = {};
  let total = 0;
  let steps = 0;
  let tokens = 0;
  for (const row of statuses) {
    byStatus[row.status] = Number(row.runs);
    total += Number(row.runs);
    steps += Number(row.steps);
    tokens += Number(row.tokens);
  }
  const finished = durations.length > 0 ? Number(durations[0]!.n) : 0;
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p * finished) / 100));
    const row = durations.find((d) => Number(d.rn) === rank);
    return row ? Number(row.ms) : null;
  };
  return {
    runs: { total, by_status: byStatus },
    flows: flowCounts(flows.map((f) => ({ ...f, count: Number(f.count) }))),
    duration_ms: { finished, p50: at(50), p95: at(95) },
    failing_nodes: topFailingNodes(failing.map((f) => ({ ...f, count: Number(f.count) }))),
    steps,
    tokens,
    truncated: false,
  };
}

export function serviceMetricsFrom(
  recent: readonly { status: ExecutionStatus; runs: number | string }[],
  accounts: number | string,
  flows: number | string,
): ServiceMetrics {
  const recentRuns: StatusCounts = {};
  for (const row of recent) recentRuns[row.status] = Number(row.runs);
  return { recent_runs: recentRuns, accounts: Number(accounts), flows: Number(flows), truncated: false };
}
