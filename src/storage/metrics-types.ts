/**
 * What the execution index answers about many runs at once: an account's metrics over a time window
 * and the operator's service-wide figures. Every provider computes them from the same summary rows
 * (SQL aggregates on D1 and Postgres; a bounded read of the window on DynamoDB, docs/operations.md#metrics).
 */
import type { ExecutionStatus } from "../engine/types";

/** What an index row adds for metrics. */
export interface IndexedUsage {
  /** Model tokens the run consumed so far: the sum of its steps' usage (`total_tokens`, else prompt + completion). */
  tokens: number;
}

/** A closed-open window of creation times, ISO in UTC. */
export interface MetricsWindow {
  since: string;
  until: string;
}

export type StatusCounts = Partial<Record<ExecutionStatus, number>>;

export interface FlowRunCounts {
  flow_id: string;
  /** The flow's name, or null when it was deleted. */
  name: string | null;
  total: number;
  by_status: StatusCounts;
}

export interface FailingNode {
  node_id: string;
  flow_id: string;
  /** Failed runs whose error came from this node. */
  count: number;
}

export interface AccountMetrics {
  runs: { total: number; by_status: StatusCounts };
  /** Flows with runs in the window, most runs first (at most METRICS_FLOW_LIMIT). */
  flows: FlowRunCounts[];
  /** Creation to finish of the window's finished runs, nearest-rank percentiles; null without finished runs. */
  duration_ms: { finished: number; p50: number | null; p95: number | null };
  /** The nodes failed runs failed at, most failures first (at most METRICS_FAILING_NODE_LIMIT). */
  failing_nodes: FailingNode[];
  steps: number;
  tokens: number;
  /** True when the provider stopped reading before the window's end (DynamoDB's bound): the figures cover the newest runs only. */
  truncated: boolean;
}

export interface ServiceMetrics {
  /** Runs created in the last day, by status. */
  recent_runs: StatusCounts;
  accounts: number;
  flows: number;
  /** True when DynamoDB's bounded scan stopped before the end of the table: the figures are lower bounds. */
  truncated: boolean;
}

export const METRICS_FLOW_LIMIT = 50;
export const METRICS_FAILING_NODE_LIMIT = 10;
/** Runs DynamoDB reads at most for one account's window (it has no aggregates; docs/operations.md#metrics). */
export const DYNAMODB_METRICS_RUN_LIMIT = 10_000;

export interface ExecutionMetricsSource {
  /** The account's runs created in `window`. */
  metrics(accountId: string, window: MetricsWindow): Promise<AccountMetrics>;
  /** Figures across every account, for the operator; `recentSince` starts the "recent" window. */
  serviceMetrics(recentSince: string): Promise<ServiceMetrics>;
}

/** The nearest-rank percentile `p` (0-100) of ascending `sorted`. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** The model tokens in a run's usage: `total_tokens` when reported, else prompt plus completion tokens. */
export function tokensOf(usage: Readonly<Record<string, number>> | null): number {
  if (!usage) return 0;
  const total = usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0);
  return Math.round(total);
}
