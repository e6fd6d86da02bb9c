import type { ExecutionStatus } from "../../engine/types";
import type { AuditEventRecord, ExecutionFilter, ExecutionIndex, ExecutionSummary, Page, PageRequest } from "../types";
import { DynamoAuditLog } from "./audit";
import {
  isConditionFailure,
  isTransactionConditionFailure,
  json,
  L,
  list,
  N,
  num,
  S,
  SS,
  str,
  stringSet,
  strOrNull,
  type DynamoClient,
  type Item,
} from "../../lib/dynamodb/client";
import { Expr, getItem, queryPage, setOrRemove, timeRange, type IndexName, type PageQuery } from "./expressions";
import { matchesTriggerFilter } from "../trigger-rules";
import { auditPartition, gsi, keys, timeKey } from "./keys";
import type { AccountMetrics, MetricsWindow, ServiceMetrics } from "../metrics-types";
import { dynamoAccountMetrics, dynamoServiceMetrics } from "./execution-metrics";

/**
 * One item per execution, keyed by id. Lists read GSI1 (all of an account's
 * runs), GSI2 (by flow) or GSI3 (by status), newest first.
 */
export class DynamoExecutionIndex implements ExecutionIndex {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async upsert(summary: ExecutionSummary, audit?: AuditEventRecord): Promise<void> {
    await Promise.all([this.write(summary, audit), audit && new DynamoAuditLog(this.client).append(audit)]);
  }

  /**
   * Deletes the summary and the audit items it lists (`audit_keys`: the sort keys of the events
   * written with it), in one transaction.
   */
  async delete(accountId: string, id: string): Promise<boolean> {
    const item = await getItem(this.client, keys.execution(id));
    if (!item || str(item, "account_id") !== accountId) return false;
    const table = this.client.table;
    const expr = new Expr();
    const condition = `${expr.n("account_id")} = ${expr.v(S(accountId))}`;
    const audits = stringSet(item, "audit_keys").map((sk) => ({
      Delete: { TableName: table, Key: { PK: S(auditPartition(accountId, "")), SK: S(sk) } },
    }));
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Delete: { TableName: table, Key: keys.execution(id), ConditionExpression: condition, ...expr.params() } },
          ...audits,
        ],
      });
    } catch (error) {
      if (isTransactionConditionFailure(error)) return false;
      throw error;
    }
    return true;
  }

  private async write(summary: ExecutionSummary, audit?: AuditEventRecord): Promise<void> {
    const expr = new Expr();
    const sortKey = expr.v(S(timeKey(summary.created_at, summary.id)));
    // The first write fixes id, account, creation time and the index sort keys; later ones change the rest.
    const keep = (name: string, value: string) => `${expr.n(name)} = if_not_exists(${expr.n(name)}, ${value})`;
    const update = setOrRemove(
      expr,
      {
        flow_id: S(summary.flow_id),
        flow_version: N(summary.flow_version),
        status: S(summary.status),
        trigger: S(summary.trigger),
        parent_id: summary.parent_id === null ? null : S(summary.parent_id),
        current_nodes: L(summary.current_nodes),
        error: summary.error === null ? null : S(JSON.stringify(summary.error)),
        output_preview: summary.output_preview === null ? null : S(summary.output_preview),
        step_count: N(summary.step_count),
        tokens: N(summary.tokens),
        updated_at: S(summary.updated_at),
        finished_at: summary.finished_at === null ? null : S(summary.finished_at),
        GSI1PK: S(gsi.executions(summary.account_id)),
        GSI2PK: S(gsi.executionsByFlow(summary.account_id, summary.flow_id)),
        GSI3PK: S(gsi.executionsByStatus(summary.account_id, summary.status)),
      },
      [
        keep("id", expr.v(S(summary.id))),
        keep("account_id", expr.v(S(summary.account_id))),
        keep("created_at", expr.v(S(summary.created_at))),
        keep("GSI1SK", sortKey),
        keep("GSI2SK", sortKey),
        keep("GSI3SK", sortKey),
      ],
    );
    // The run's audit events, so deleting the run finds them without reading the account's trail.
    const auditKeys = audit ? ` ADD ${expr.n("audit_keys")} ${expr.v(SS([timeKey(audit.time, audit.id)]))}` : "";
    try {
      await this.client.send("UpdateItem", {
        TableName: this.client.table,
        Key: keys.execution(summary.id),
        UpdateExpression: update + auditKeys,
        // Summaries may arrive out of order; the newer one wins (ties: the later write).
        ConditionExpression: `attribute_not_exists(PK) OR ${expr.n("updated_at")} <= ${expr.v(S(summary.updated_at))}`,
        ...expr.params(),
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async get(accountId: string, id: string): Promise<ExecutionSummary | null> {
    const item = await getItem(this.client, keys.execution(id));
    return item && str(item, "account_id") === accountId ? fromItem(item) : null;
  }

  async list(accountId: string, filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionSummary>> {
    const expr = new Expr();
    // Whatever the filters, one index partition is read and the rest are filter expressions,
    // applied after reading (queryPage keeps reading until a page is full).
    const conditions: string[] = [];
    if (filter.flow_id && filter.status) conditions.push(`${expr.n("status")} = ${expr.v(S(filter.status))}`);
    if (filter.trigger_type) {
      const trigger = expr.n("trigger");
      conditions.push(
        `(${trigger} = ${expr.v(S(filter.trigger_type))} OR begins_with(${trigger}, ${expr.v(S(`${filter.trigger_type}:`))}))`,
      );
    }
    // DynamoDB has no "ends with": `contains` narrows what is read back, `keep` decides.
    if (filter.trigger_id) conditions.push(`contains(${expr.n("trigger")}, ${expr.v(S(`:${filter.trigger_id}`))})`);
    const [index, partition]: [IndexName, string] = filter.flow_id
      ? ["GSI2", gsi.executionsByFlow(accountId, filter.flow_id)]
      : filter.status
        ? ["GSI3", gsi.executionsByStatus(accountId, filter.status)]
        : ["GSI1", gsi.executions(accountId)];
    // Every index sorts by `<created_at>#<id>`, so the time range is a key condition, not a filter.
    const sortCondition = timeRange(expr, `${index}SK`, filter.since, filter.until);
    if (sortCondition === "empty") return { items: [], next_cursor: null };
    const query: PageQuery = {
      index,
      partition,
      sortCondition,
      filter: conditions.join(" AND ") || undefined,
      keep: filter.trigger_id ? (item) => matchesTriggerFilter(str(item, "trigger"), filter) : undefined,
      expr,
      forward: false,
    };
    const result = await queryPage(this.client, query, page.limit, page.cursor);
    return { items: result.items.map(fromItem), next_cursor: result.next_cursor };
  }

  metrics(accountId: string, window: MetricsWindow): Promise<AccountMetrics> {
    return dynamoAccountMetrics(this.client, accountId, window);
  }

  serviceMetrics(recentSince: string): Promise<ServiceMetrics> {
    return dynamoServiceMetrics(this.client, recentSince);
  }
}

function fromItem(item: Item): ExecutionSummary {
  return {
    id: str(item, "id"),
    account_id: str(item, "account_id"),
    flow_id: str(item, "flow_id"),
    flow_version: num(item, "flow_version"),
    // The index holds only what execution objects wrote, so the status is one of theirs.
    status: str(item, "status") as ExecutionStatus,
    trigger: str(item, "trigger"),
    parent_id: strOrNull(item, "parent_id"),
    current_nodes: list(item, "current_nodes"),
    error: json<ExecutionSummary["error"]>(item, "error", null),
    output_preview: strOrNull(item, "output_preview"),
    step_count: num(item, "step_count"),
    // Rows written before token counts were kept have none.
    tokens: item.tokens ? num(item, "tokens") : 0,
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
    finished_at: strOrNull(item, "finished_at"),
  };
}
