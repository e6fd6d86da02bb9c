import { decodeCursor, encodeCursor } from "../cursor";
import { StorageError, type Page } from "../types";
import { DynamoError, S, type AttributeValue, type DynamoClient, type Item } from "../../lib/dynamodb/client";

/**
 * Collects expression attribute names and values, so every attribute name is
 * aliased (many, like `status`, `name` and `key`, are reserved words).
 */
export class Expr {
  private readonly names: Record<string, string> = {};
  private readonly values: Item = {};
  private count = 0;

  /** `#name` for an attribute. */
  n(name: string): string {
    const alias = `#${name}`;
    this.names[alias] = name;
    return alias;
  }

  /** `:vN` for a value. */
  v(value: AttributeValue): string {
    const alias = `:v${this.count++}`;
    this.values[alias] = value;
    return alias;
  }

  params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** Builds `SET a = :x, ... REMOVE b, ...` for the given values; null and undefined remove. */
export function setOrRemove(expr: Expr, fields: Record<string, AttributeValue | null | undefined>, extraSet: string[] = []): string {
  const set = [...extraSet];
  const remove: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) remove.push(expr.n(name));
    else set.push(`${expr.n(name)} = ${expr.v(value)}`);
  }
  return [set.length > 0 ? `SET ${set.join(", ")}` : "", remove.length > 0 ? `REMOVE ${remove.join(", ")}` : ""].filter(Boolean).join(" ");
}

export type IndexName = "GSI1" | "GSI2" | "GSI3";

export interface PageQuery {
  index?: IndexName | undefined;
  /** The partition key value the query reads; a cursor must come from the same partition. */
  partition: string;
  /** A condition on the sort key (without the partition part), e.g. `begins_with(#SK, :v1)`. */
  sortCondition?: string | undefined;
  filter?: string | undefined;
  /** A test no DynamoDB expression can state (e.g. "ends with"), applied after `filter`. */
  keep?: ((item: Item) => boolean) | undefined;
  expr: Expr;
  forward: boolean;
}

/**
 * The sort-key condition for a time range over keys `<time>#<id>` (keys.ts `timeKey`): `>= since` ⇔
 * time >= since, `< until` ⇔ time < until; "empty" when the range is, and undefined when unbounded.
 */
export function timeRange(
  expr: Expr,
  sortName: string,
  since: string | undefined,
  until: string | undefined,
): string | "empty" | undefined {
  if (since && until && since >= until) return "empty";
  if (!since && !until) return undefined; // before naming the key: a name no expression uses is refused
  const sort = expr.n(sortName);
  if (since && until) return `${sort} BETWEEN ${expr.v(S(since))} AND ${expr.v(S(until))}`;
  return since ? `${sort} >= ${expr.v(S(since))}` : `${sort} < ${expr.v(S(until!))}`;
}

interface QueryOutput {
  Items?: Item[];
  LastEvaluatedKey?: Item;
}

const keyNames = (index: IndexName | undefined) => (index ? ["PK", "SK", `${index}PK`, `${index}SK`] : ["PK", "SK"]);

/**
 * One page of a query, newest or oldest first as asked. DynamoDB applies
 * `Limit` before the filter (and `keep` runs after both), so filtered queries loop until a full page (plus
 * one item, to know whether more exist) or the end of the partition. The
 * cursor is the key of the last item returned, in the shape of a
 * `LastEvaluatedKey` (table key plus index key), base64url JSON.
 */
export async function queryPage(client: DynamoClient, query: PageQuery, limit: number, cursor: string | undefined): Promise<Page<Item>> {
  const names = keyNames(query.index);
  const partitionName = query.index ? `${query.index}PK` : "PK";
  let start: Item | undefined;
  if (cursor) {
    const decoded = decodeCursor(cursor, names);
    if (decoded[partitionName] !== query.partition || names.some((n) => typeof decoded[n] !== "string")) {
      throw new StorageError("invalid_cursor", "The cursor is not valid");
    }
    start = Object.fromEntries(names.map((n) => [n, S(String(decoded[n]))]));
  }
  const { expr } = query;
  const keyCondition = [`${expr.n(partitionName)} = ${expr.v(S(query.partition))}`, query.sortCondition].filter(Boolean).join(" AND ");
  const wanted = limit + 1;
  const collected: Item[] = [];
  try {
    do {
      const missing = wanted - collected.length;
      const output = await client.send<QueryOutput>("Query", {
        TableName: client.table,
        ...(query.index ? { IndexName: query.index } : { ConsistentRead: true }),
        KeyConditionExpression: keyCondition,
        ...(query.filter ? { FilterExpression: query.filter } : {}),
        ...expr.params(),
        ScanIndexForward: query.forward,
        Limit: query.filter || query.keep ? Math.max(missing, 50) : missing,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      const items = output.Items ?? [];
      collected.push(...(query.keep ? items.filter(query.keep) : items));
      start = output.LastEvaluatedKey;
    } while (collected.length < wanted && start);
  } catch (error) {
    if (cursor && error instanceof DynamoError && error.type === "ValidationException") {
      throw new StorageError("invalid_cursor", "The cursor is not valid");
    }
    throw error;
  }
  const items = collected.slice(0, limit);
  const last = items.at(-1);
  if (collected.length <= limit || !last) return { items, next_cursor: null };
  const key: Record<string, string> = {};
  for (const name of names) {
    const value = last[name];
    if (!value || !("S" in value)) throw new Error(`DynamoDB item has no key attribute ${name}`);
    key[name] = value.S;
  }
  return { items, next_cursor: encodeCursor(key) };
}

/** Every item of a query (for small collections: a secret list, a flow's parts). */
export async function queryAll(
  client: DynamoClient,
  input: { KeyConditionExpression: string; FilterExpression?: string; ProjectionExpression?: string; expr: Expr; forward?: boolean },
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const output = await client.send<QueryOutput>("Query", {
      TableName: client.table,
      ConsistentRead: true,
      KeyConditionExpression: input.KeyConditionExpression,
      ...(input.FilterExpression ? { FilterExpression: input.FilterExpression } : {}),
      ...(input.ProjectionExpression ? { ProjectionExpression: input.ProjectionExpression } : {}),
      ...input.expr.params(),
      ScanIndexForward: input.forward ?? true,
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    items.push(...(output.Items ?? []));
    start = output.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function getItem(client: DynamoClient, key: Item): Promise<Item | null> {
  const output = await client.send<{ Item?: Item }>("GetItem", { TableName: client.table, Key: key, ConsistentRead: true });
  return output.Item ?? null;
}

/** Items by key, strongly consistent, in any order; missing ones are left out. */
export async function batchGet(client: DynamoClient, keys: readonly Item[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] = keys.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
      if (attempt > 8) throw new Error("DynamoDB left items unread after retries");
      const output = await client.send<{ Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys: Item[] }> }>(
        "BatchGetItem",
        { RequestItems: { [client.table]: { Keys: pending, ConsistentRead: true } } },
      );
      found.push(...(output.Responses?.[client.table] ?? []));
      pending = output.UnprocessedKeys?.[client.table]?.Keys ?? [];
    }
  }
  return found;
}

/** Deletes items by key (batches of 25, unprocessed ones retried). */
export async function batchDelete(client: DynamoClient, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: unknown[] = items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { PK: item.PK, SK: item.SK } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
      const output = await client.send<{ UnprocessedItems?: Record<string, unknown[]> }>("BatchWriteItem", {
        RequestItems: { [client.table]: requests },
      });
      requests = output.UnprocessedItems?.[client.table] ?? [];
      if (attempt > 8 && requests.length > 0) throw new Error("DynamoDB left items undeleted after retries");
    }
  }
}
