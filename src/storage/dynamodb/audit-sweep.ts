/**
 * Deleting old audit events on DynamoDB (AuditLog.prune). Failed logins for unknown usernames live
 * in one partition per day, so those are queried day by day. Account events live in one partition
 * per account, which nothing lists, so they are found by a scan of the table that goes on where the
 * previous call stopped: one page per call, its position kept in the table (`SWEEP#AUDIT`).
 */
import { S, str, type DynamoClient, type Item } from "../../lib/dynamodb/client";
import { batchDelete, Expr, getItem } from "./expressions";
import { auditPartition } from "./keys";

/** How far back a prune looks for day partitions of anonymous events (older ones were emptied by earlier sweeps). */
const ANONYMOUS_DAYS_SWEPT = 60;
/** Items a scan call reads (at most about 1 MB, whatever matches). */
const SCAN_PAGE = 1000;
const CURSOR_KEY: Item = { PK: S("SWEEP#AUDIT"), SK: S("SWEEP") };

export async function pruneAnonymous(client: DynamoClient, before: string, limit: number): Promise<number> {
  let deleted = 0;
  const day = Date.parse(`${before.slice(0, 10)}T00:00:00.000Z`);
  for (let back = 0; back < ANONYMOUS_DAYS_SWEPT && deleted < limit; back++) {
    const expr = new Expr();
    const output = await client.send<{ Items?: Item[] }>("Query", {
      TableName: client.table,
      KeyConditionExpression: `${expr.n("PK")} = ${expr.v(S(auditPartition(null, new Date(day - back * 86_400_000).toISOString())))} AND ${expr.n("SK")} < ${expr.v(S(before))}`,
      ProjectionExpression: "PK, SK",
      Limit: limit - deleted,
      ...expr.params(),
    });
    const items = output.Items ?? [];
    await batchDelete(client, items);
    deleted += items.length;
  }
  return deleted;
}

/**
 * Reads the next page of the table for account audit events older than `before` and deletes up to
 * `limit` of them. The position moves on only past a page whose matches were all deleted, so a page
 * with more than `limit` is read again by the next call; at the end of the table it starts over.
 */
export async function pruneAccounts(client: DynamoClient, before: string, limit: number): Promise<number> {
  const cursor = await getItem(client, CURSOR_KEY);
  const start = cursor ? (JSON.parse(str(cursor, "start")) as Item) : undefined;
  const expr = new Expr();
  const output = await client.send<{ Items?: Item[]; LastEvaluatedKey?: Item }>("Scan", {
    TableName: client.table,
    FilterExpression: `begins_with(${expr.n("PK")}, ${expr.v(S("AUDIT#"))}) AND attribute_exists(${expr.n("account_id")}) AND ${expr.n("time")} < ${expr.v(S(before))}`,
    ProjectionExpression: `${expr.n("PK")}, ${expr.n("SK")}`,
    Limit: SCAN_PAGE,
    ...(start ? { ExclusiveStartKey: start } : {}),
    ...expr.params(),
  });
  const matches = output.Items ?? [];
  await batchDelete(client, matches.slice(0, limit));
  if (matches.length <= limit) {
    const next = output.LastEvaluatedKey;
    if (next) await client.send("PutItem", { TableName: client.table, Item: { ...CURSOR_KEY, start: S(JSON.stringify(next)) } });
    else if (cursor) await client.send("DeleteItem", { TableName: client.table, Key: CURSOR_KEY });
  }
  return Math.min(matches.length, limit);
}
