import {
  StorageError,
  type AuditDetails,
  type AuditEventRecord,
  type AuditFilter,
  type AuditLog,
  type Page,
  type PageRequest,
} from "../types";
import { isConditionFailure, json, optional, S, str, strOrNull, type DynamoClient, type Item } from "../../lib/dynamodb/client";
import type { AuditPruneScope } from "../retention";
import { pruneAccounts, pruneAnonymous } from "./audit-sweep";
import { Expr, queryPage, timeRange } from "./expressions";
import { auditPartition, gsi, timeKey } from "./keys";

/**
 * One partition per account (`AUDIT#<account>`), sorted by `<time>#<id>`, so a
 * time window is a key condition; GSI1 holds the same events by action.
 */
export class DynamoAuditLog implements AuditLog {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async append(event: AuditEventRecord): Promise<void> {
    const item: Item = {
      PK: S(auditPartition(event.account_id, event.time)),
      SK: S(timeKey(event.time, event.id)),
      id: S(event.id),
      time: S(event.time),
      action: S(event.action),
      details: S(JSON.stringify(event.details)),
    };
    optional(item, "account_id", event.account_id);
    optional(item, "actor", event.actor);
    optional(item, "target_type", event.target_type);
    optional(item, "target_id", event.target_id);
    optional(item, "ip", event.ip);
    if (event.account_id !== null) {
      item.GSI1PK = S(gsi.auditByAction(event.account_id, event.action));
      item.GSI1SK = S(timeKey(event.time, event.id));
    }
    try {
      await this.client.send("PutItem", { TableName: this.client.table, Item: item, ConditionExpression: "attribute_not_exists(PK)" });
    } catch (error) {
      if (isConditionFailure(error)) throw new StorageError("conflict", `Audit event ${event.id} already exists`);
      throw error;
    }
  }

  async list(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEventRecord>> {
    const expr = new Expr();
    const index = filter.action ? ("GSI1" as const) : undefined;
    const sortCondition = timeRange(expr, index ? "GSI1SK" : "SK", filter.since, filter.until);
    if (sortCondition === "empty") return { items: [], next_cursor: null };
    const partition = filter.action ? gsi.auditByAction(accountId, filter.action) : auditPartition(accountId, "");
    const result = await queryPage(this.client, { index, partition, sortCondition, expr, forward: false }, page.limit, page.cursor);
    return { items: result.items.map(fromItem), next_cursor: result.next_cursor };
  }

  /** See audit-sweep.ts: day partitions for `anonymous`, a resumable scan for `accounts`. */
  prune(scope: AuditPruneScope, before: string, limit: number): Promise<number> {
    return scope === "anonymous" ? pruneAnonymous(this.client, before, limit) : pruneAccounts(this.client, before, limit);
  }
}

function fromItem(item: Item): AuditEventRecord {
  return {
    id: str(item, "id"),
    account_id: strOrNull(item, "account_id"),
    time: str(item, "time"),
    actor: strOrNull(item, "actor"),
    action: str(item, "action"),
    target_type: strOrNull(item, "target_type"),
    target_id: strOrNull(item, "target_id"),
    ip: strOrNull(item, "ip"),
    details: json<AuditDetails>(item, "details", {}),
  };
}
