import type { ExecutionStatus } from "../../engine/types";
import { json, num, str, strOrNull, type DynamoClient, type Item } from "../../lib/dynamodb/client";
import { aggregateRuns, type RunFacts } from "../metrics-aggregate";
import {
  DYNAMODB_METRICS_RUN_LIMIT,
  type AccountMetrics,
  type MetricsWindow,
  type ServiceMetrics,
  type StatusCounts,
} from "../metrics-types";
import { batchGet, Expr, timeRange } from "./expressions";
import { gsi, keys } from "./keys";

/** Scan pages (up to 1 MB each) the operator's service-wide figures read at most. */
export const DYNAMODB_SERVICE_SCAN_PAGES = 20;

interface ReadOutput {
  Items?: Item[];
  LastEvaluatedKey?: Item;
}

const RUN_FIELDS = ["flow_id", "status", "step_count", "tokens", "created_at", "finished_at", "error"];

/**
 * DynamoDB has no aggregates: the account's runs of the window are read from GSI1 (newest first, only
 * the fields the figures need) up to DYNAMODB_METRICS_RUN_LIMIT runs and aggregated here; past that
 * bound the figures cover the newest runs and say `truncated`.
 */
export async function dynamoAccountMetrics(client: DynamoClient, accountId: string, window: MetricsWindow): Promise<AccountMetrics> {
  const expr = new Expr();
  const sortCondition = timeRange(expr, "GSI1SK", window.since, window.until);
  if (sortCondition === "empty") return aggregateRuns([], false);
  const keyCondition = [`${expr.n("GSI1PK")} = ${expr.v({ S: gsi.executions(accountId) })}`, sortCondition].filter(Boolean).join(" AND ");
  const projection = RUN_FIELDS.map((name) => expr.n(name)).join(", ");
  const runs: RunFacts[] = [];
  let start: Item | undefined;
  do {
    const output = await client.send<ReadOutput>("Query", {
      TableName: client.table,
      IndexName: "GSI1",
      KeyConditionExpression: keyCondition,
      ProjectionExpression: projection,
      ...expr.params(),
      ScanIndexForward: false,
      Limit: Math.min(1_000, DYNAMODB_METRICS_RUN_LIMIT - runs.length),
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    for (const item of output.Items ?? []) runs.push(runFacts(item));
    start = output.LastEvaluatedKey;
  } while (start && runs.length < DYNAMODB_METRICS_RUN_LIMIT);
  const metrics = aggregateRuns(runs, start !== undefined);
  const heads = await batchGet(
    client,
    metrics.flows.map((flow) => keys.flow(flow.flow_id)),
  );
  const names = new Map(heads.filter((item) => str(item, "account_id") === accountId).map((item) => [str(item, "id"), str(item, "name")]));
  for (const flow of metrics.flows) flow.name = names.get(flow.flow_id) ?? null;
  return metrics;
}

function runFacts(item: Item): RunFacts {
  return {
    flow_id: str(item, "flow_id"),
    // The index holds only what execution objects wrote, so the status is one of theirs.
    status: str(item, "status") as ExecutionStatus,
    step_count: num(item, "step_count"),
    // Rows written before token counts were kept have none.
    tokens: item.tokens ? num(item, "tokens") : 0,
    created_at: str(item, "created_at"),
    finished_at: strOrNull(item, "finished_at"),
    error: json<{ node_id: string } | null>(item, "error", null),
  };
}

/**
 * Service-wide figures from a Scan (the table has no index across accounts), stopped after
 * DYNAMODB_SERVICE_SCAN_PAGES pages; the answer says `truncated` when the table is larger.
 */
export async function dynamoServiceMetrics(client: DynamoClient, recentSince: string): Promise<ServiceMetrics> {
  const expr = new Expr();
  const sk = expr.n("SK");
  const filter = `${sk} = ${expr.v({ S: "ACCOUNT" })} OR ${sk} = ${expr.v({ S: "FLOW" })} OR (${sk} = ${expr.v({ S: "EXECUTION" })} AND ${expr.n("created_at")} >= ${expr.v({ S: recentSince })})`;
  const recent: StatusCounts = {};
  let accounts = 0;
  let flows = 0;
  let start: Item | undefined;
  let pages = 0;
  do {
    const output = await client.send<ReadOutput>("Scan", {
      TableName: client.table,
      FilterExpression: filter,
      ProjectionExpression: `${sk}, ${expr.n("status")}`,
      ...expr.params(),
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    for (const item of output.Items ?? []) {
      const kind = str(item, "SK");
      if (kind === "ACCOUNT") accounts++;
      else if (kind === "FLOW") flows++;
      else {
        const status = str(item, "status") as ExecutionStatus;
        recent[status] = (recent[status] ?? 0) + 1;
      }
    }
    start = output.LastEvaluatedKey;
    pages++;
  } while (start && pages < DYNAMODB_SERVICE_SCAN_PAGES);
  return { recent_runs: recent, accounts, flows, truncated: start !== undefined };
}
