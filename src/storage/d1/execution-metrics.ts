import { sql } from "drizzle-orm";
import type { ExecutionStatus } from "../../engine/types";
import { accountMetricsFrom, serviceMetricsFrom, type FlowStatusCount, type StatusRow } from "../metrics-aggregate";
import { METRICS_FAILING_NODE_LIMIT, type AccountMetrics, type MetricsWindow, type ServiceMetrics } from "../metrics-types";
import type { D1Db } from "./index";

/** An account's metrics with SQL aggregates over its index rows in the window (four queries, in parallel). */
export async function d1AccountMetrics(db: D1Db, accountId: string, window: MetricsWindow): Promise<AccountMetrics> {
  const inWindow = sql`e.account_id = ${accountId} AND e.created_at >= ${window.since} AND e.created_at < ${window.until}`;
  const [statuses, flows, durations, failing] = await Promise.all([
    db.all<StatusRow>(sql`
      SELECT e.status AS status, count(*) AS runs, total(e.step_count) AS steps, total(e.tokens) AS tokens
      FROM executions e WHERE ${inWindow} GROUP BY e.status`),
    db.all<FlowStatusCount>(sql`
      SELECT e.flow_id AS flow_id, f.name AS name, e.status AS status, count(*) AS count
      FROM executions e LEFT JOIN flows f ON f.id = e.flow_id AND f.account_id = e.account_id
      WHERE ${inWindow} GROUP BY e.flow_id, e.status`),
    // Nearest-rank percentiles: the row at rank ceil(p/100 × n), with ceil(p·n/100) as (p·n + 99) / 100 in integers.
    db.all<{ n: number; rn: number; ms: number }>(sql`
      WITH d AS (
        SELECT round((julianday(e.finished_at) - julianday(e.created_at)) * 86400000.0) AS ms
        FROM executions e WHERE ${inWindow} AND e.finished_at IS NOT NULL
      ), r AS (SELECT ms, row_number() OVER (ORDER BY ms) AS rn, count(*) OVER () AS n FROM d)
      SELECT n, rn, ms FROM r WHERE rn IN (max(1, (50 * n + 99) / 100), max(1, (95 * n + 99) / 100))`),
    db.all<{ node_id: string; flow_id: string; count: number }>(sql`
      SELECT json_extract(e.error, '$.node_id') AS node_id, e.flow_id AS flow_id, count(*) AS count
      FROM executions e WHERE ${inWindow} AND e.status = 'failed' AND coalesce(json_extract(e.error, '$.node_id'), '') != ''
      GROUP BY 1, 2 ORDER BY count DESC, node_id, flow_id LIMIT ${METRICS_FAILING_NODE_LIMIT}`),
  ]);
  return accountMetricsFrom(statuses, flows, durations, failing);
}

/** Service-wide figures: the last day's runs by status (read through the created_at index), accounts and flows. */
export async function d1ServiceMetrics(db: D1Db, recentSince: string): Promise<ServiceMetrics> {
  const [recent, accounts, flows] = await Promise.all([
    db.all<{ status: ExecutionStatus; runs: number }>(
      sql`SELECT status, count(*) AS runs FROM executions WHERE created_at >= ${recentSince} GROUP BY status`,
    ),
    db.get<{ n: number }>(sql`SELECT count(*) AS n FROM accounts`),
    db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows`),
  ]);
  return serviceMetricsFrom(recent, accounts?.n ?? 0, flows?.n ?? 0);
}
