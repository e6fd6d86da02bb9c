import { sql } from "drizzle-orm";
import type { ExecutionStatus } from "../../engine/types";
import { accountMetricsFrom, serviceMetricsFrom, type FlowStatusCount, type StatusRow } from "../metrics-aggregate";
import { METRICS_FAILING_NODE_LIMIT, type AccountMetrics, type MetricsWindow, type ServiceMetrics } from "../metrics-types";
import type { PgDb } from "./index";

type Counted<T> = Omit<T, "count"> & { count: string };

/** An account's metrics with SQL aggregates over its index rows in the window (the same four queries as on D1). */
export async function postgresAccountMetrics(db: PgDb, accountId: string, window: MetricsWindow): Promise<AccountMetrics> {
  const inWindow = sql`e.account_id = ${accountId} AND e.created_at >= ${window.since} AND e.created_at < ${window.until}`;
  const [statuses, flows, durations, failing] = await Promise.all([
    db.execute<StatusRow & Record<string, unknown>>(sql`
      SELECT e.status AS status, count(*) AS runs, coalesce(sum(e.step_count), 0) AS steps, coalesce(sum(e.tokens), 0) AS tokens
      FROM executions e WHERE ${inWindow} GROUP BY e.status`),
    db.execute<Counted<FlowStatusCount> & Record<string, unknown>>(sql`
      SELECT e.flow_id AS flow_id, f.name AS name, e.status AS status, count(*) AS count
      FROM executions e LEFT JOIN flows f ON f.id = e.flow_id AND f.account_id = e.account_id
      WHERE ${inWindow} GROUP BY e.flow_id, f.name, e.status`),
    // Nearest-rank percentiles, as on D1: the row at rank ceil(p/100 × n).
    db.execute<{ n: string; rn: string; ms: string }>(sql`
      WITH d AS (
        SELECT round(extract(epoch FROM (e.finished_at::timestamptz - e.created_at::timestamptz)) * 1000) AS ms
        FROM executions e WHERE ${inWindow} AND e.finished_at IS NOT NULL
      ), r AS (SELECT ms, row_number() OVER (ORDER BY ms) AS rn, count(*) OVER () AS n FROM d)
      SELECT n, rn, ms FROM r WHERE rn IN (greatest(1, (50 * n + 99) / 100), greatest(1, (95 * n + 99) / 100))`),
    db.execute<{ node_id: string; flow_id: string; count: string }>(sql`
      SELECT e.error->>'node_id' AS node_id, e.flow_id AS flow_id, count(*) AS count
      FROM executions e WHERE ${inWindow} AND e.status = 'failed' AND coalesce(e.error->>'node_id', '') <> ''
      GROUP BY 1, 2 ORDER BY count DESC, node_id, flow_id LIMIT ${METRICS_FAILING_NODE_LIMIT}`),
  ]);
  return accountMetricsFrom(statuses.rows, flows.rows, durations.rows, failing.rows);
}

/** Service-wide figures: the last day's runs by status (through the created_at index), accounts and flows. */
export async function postgresServiceMetrics(db: PgDb, recentSince: string): Promise<ServiceMetrics> {
  const [recent, counts] = await Promise.all([
    db.execute<{ status: ExecutionStatus; runs: string }>(
      sql`SELECT status, count(*) AS runs FROM executions WHERE created_at >= ${recentSince} GROUP BY status`,
    ),
    db.execute<{ accounts: string; flows: string }>(
      sql`SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM flows) AS flows`,
    ),
  ]);
  return serviceMetricsFrom(recent.rows, counts.rows[0]?.accounts ?? 0, counts.rows[0]?.flows ?? 0);
}
