/**
 * The key-value operations, on a table whose string hash key is `key`: each item is
 * `{key, value, expires_at?}`, `expires_at` in epoch seconds (the format of DynamoDB's TTL, so
 * turning TTL on for that attribute lets DynamoDB delete expired items). DynamoDB deletes them
 * late (up to days), so every read treats an item past `expires_at` as missing.
 */
import { NodeError, type NodeOutcome } from "../../engine/outcome";
import type { DynamoClient, Item } from "../../lib/dynamodb/client";
import { marshal, unmarshal } from "../../lib/dynamodb/marshal";
import { isRecord, type JsonValue } from "../../lib/json";
import { compareUtf8 } from "../capabilities/kv";
import { done } from "../define";
import { pause, type DynamoContext } from "./connection";
import { Aliases, filterExpression } from "./filter";

export const DEFAULT_KV_TABLE = "flowrunner_store";
/** list and query read the whole table (a scan has no order); past this many matching items they fail instead. */
export const MAX_KV_SCAN_ITEMS = 10_000;
const BATCH_WRITE_SIZE = 25;
const UNPROCESSED_TRIES = 6;

const expired = (item: Item, now: number): boolean => {
  const at = item.expires_at;
  return at !== undefined && "N" in at && Number(at.N) * 1000 <= now;
};

function stringKey(ctx: DynamoContext): string {
  const { key } = ctx.params;
  if (typeof key !== "string")
    throw new NodeError("invalid_params", `${ctx.params.operation} needs key as a string`, { param: "key" }, false);
  return key;
}

export async function keyValueOperation(ctx: DynamoContext, client: DynamoClient): Promise<NodeOutcome> {
  const { params } = ctx;
  switch (params.operation) {
    case "get": {
      const key = stringKey(ctx);
      const output = await client.send<{ Item?: Item }>("GetItem", {
        TableName: client.table,
        Key: { key: { S: key } },
        ConsistentRead: true,
      });
      const item = output.Item;
      if (!item || expired(item, ctx.now())) return done(null, "not_found");
      return done(item.value ? unmarshal(item.value) : null);
    }
    case "set": {
      const key = stringKey(ctx);
      const item: Item = { key: { S: key }, value: marshal(params.value ?? null) };
      if (params.ttl !== undefined) item.expires_at = { N: String(Math.ceil((ctx.now() + params.ttl) / 1000)) };
      await client.send("PutItem", { TableName: client.table, Item: item });
      return done({ key, stored: true });
    }
    case "delete": {
      const key = stringKey(ctx);
      const output = await client.send<{ Attributes?: Item }>("DeleteItem", {
        TableName: client.table,
        Key: { key: { S: key } },
        ReturnValues: "ALL_OLD",
      });
      const deleted = output.Attributes !== undefined && !expired(output.Attributes, ctx.now());
      return done({ deleted, key }, deleted ? "default" : "not_found");
    }
    case "list": {
      const items = await scanLive(ctx, client, undefined, true);
      const keys = items.map((item) => (item.key && "S" in item.key ? item.key.S : "")).sort(compareUtf8);
      return done(params.limit === undefined ? keys : keys.slice(0, params.limit));
    }
    case "query": {
      const items = await scanLive(ctx, client, params.filter, false);
      const values = items
        .sort((a, b) => compareUtf8(a.key && "S" in a.key ? a.key.S : "", b.key && "S" in b.key ? b.key.S : ""))
        .map((item): JsonValue => {
          const key = item.key && "S" in item.key ? item.key.S : "";
          const value = item.value ? unmarshal(item.value) : null;
          return isRecord(value) ? { ...value, _key: key } : { _key: key, value };
        });
      if (params.sort !== undefined) sortBy(values, params.sort);
      return done(params.limit === undefined ? values : values.slice(0, params.limit));
    }
    case "batch_write":
      return done({ written: await batchWrite(ctx, client, params.items ?? []) });
    default:
      throw new Error(`not a key-value operation: ${params.operation}`);
  }
}

/** Every live item whose key has the prefix and whose value passes the filter, across scan pages. */
async function scanLive(
  ctx: DynamoContext,
  client: DynamoClient,
  filter: Record<string, JsonValue> | undefined,
  keysOnly: boolean,
): Promise<Item[]> {
  const aliases = new Aliases();
  const conditions = filter === undefined ? [] : filterExpression(filter, aliases);
  if (conditions === null) return [];
  // Every alias must be used by some expression: DynamoDB refuses unused ones.
  const needsKey = keysOnly || (ctx.params.prefix !== undefined && ctx.params.prefix !== "");
  const keyName = needsKey ? aliases.path(["key"]) : "";
  const expiresName = aliases.path(["expires_at"]);
  if (ctx.params.prefix) conditions.push(`begins_with(${keyName}, ${aliases.value(ctx.params.prefix)})`);
  const now = aliases.attribute({ N: String(Math.floor(ctx.now() / 1000)) });
  conditions.push(`(attribute_not_exists(${expiresName}) OR ${expiresName} > ${now})`);
  const found: Item[] = [];
  let start: Item | undefined;
  do {
    const output = await client.send<{ Items?: Item[]; LastEvaluatedKey?: Item }>("Scan", {
      TableName: client.table,
      FilterExpression: conditions.join(" AND "),
      ...aliases.params(),
      ...(keysOnly ? { ProjectionExpression: `${keyName}, ${expiresName}` } : {}),
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    // The expiry test in the filter is to the second; this one is to the millisecond.
    found.push(...(output.Items ?? []).filter((item) => !expired(item, ctx.now())));
    if (found.length > MAX_KV_SCAN_ITEMS) {
      throw new NodeError(
        "too_many_items",
        `More than ${MAX_KV_SCAN_ITEMS} items match: use prefix or filter, or query_items/scan with a cursor`,
        { max_items: MAX_KV_SCAN_ITEMS },
        false,
      );
    }
    start = output.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Sorts by a (dotted) field, "-field" descending; items without the field go last. */
export function sortBy(values: JsonValue[], sort: string): void {
  const descending = sort.startsWith("-");
  const path = (descending ? sort.slice(1) : sort).split(".");
  const read = (value: JsonValue): JsonValue | undefined => {
    let current: JsonValue | undefined = value;
    for (const part of path) current = isRecord(current) ? current[part] : undefined;
    return current;
  };
  values.sort((a, b) => {
    const x = read(a);
    const y = read(b);
    if (x === undefined || x === null) return y === undefined || y === null ? 0 : 1;
    if (y === undefined || y === null) return -1;
    const order = typeof x === "number" && typeof y === "number" ? x - y : compareUtf8(String(x), String(y));
    return descending ? -order : order;
  });
}

async function batchWrite(ctx: DynamoContext, client: DynamoClient, entries: readonly JsonValue[]): Promise<number> {
  const requests = entries.map((entry, index) => {
    if (!isRecord(entry) || typeof entry.key !== "string" || entry.key === "" || entry.value === undefined) {
      throw new NodeError("invalid_params", `items[${index}] must be {key, value} with a non-empty string key`, { param: "items" }, false);
    }
    const item: Item = { key: { S: entry.key }, value: marshal(entry.value, `items[${index}].value`) };
    return { PutRequest: { Item: item } };
  });
  await writeBatches(ctx, client, requests);
  return requests.length;
}

/** BatchWriteItem in chunks of 25; items DynamoDB leaves unprocessed are sent again with back-off, a bounded number of times. */
export async function writeBatches(ctx: DynamoContext, client: DynamoClient, requests: readonly object[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_SIZE) {
    let pending: unknown[] = requests.slice(i, i + BATCH_WRITE_SIZE);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= UNPROCESSED_TRIES) {
        throw new NodeError(
          "dynamodb_throttled",
          `DynamoDB left ${pending.length} writes unprocessed`,
          { unprocessed: pending.length },
          true,
        );
      }
      if (attempt > 0) await pause(Math.min(50 * 2 ** attempt, 2000), ctx.signal);
      const output = await client.send<{ UnprocessedItems?: Record<string, unknown[]> }>("BatchWriteItem", {
        RequestItems: { [client.table]: pending },
      });
      pending = output.UnprocessedItems?.[client.table] ?? [];
    }
  }
}
