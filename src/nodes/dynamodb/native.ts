/** DynamoDB's own operations on any table, with plain JSON in and out. */
import { NodeError, type NodeOutcome } from "../../engine/outcome";
import type { DynamoClient, Item } from "../../lib/dynamodb/client";
import { marshalItem, unmarshalItem } from "../../lib/dynamodb/marshal";
import { sha256Hex } from "../../lib/crypto";
import type { JsonObject, JsonValue } from "../../lib/json";
import { done } from "../define";
import { pause, type DynamoContext, type DynamoParams } from "./connection";
import { decodeCursor, encodeCursor } from "./cursor";
import { writeBatches } from "./key-value";

const BATCH_GET_SIZE = 100;
const UNPROCESSED_TRIES = 6;

type Expressions = Pick<DynamoParams, "expression_attribute_names" | "expression_attribute_values">;

/** ExpressionAttributeNames/Values of a request, values marshalled; absent when empty (DynamoDB refuses empty maps). */
function expressionParams(source: Expressions): Record<string, unknown> {
  const names = source.expression_attribute_names;
  const values = source.expression_attribute_values;
  return {
    ...(names && Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(values && Object.keys(values).length > 0 ? { ExpressionAttributeValues: marshalItem(values, "expression_attribute_values") } : {}),
  };
}

const read = (item: Item | undefined): JsonObject | null => (item ? unmarshalItem(item) : null);

function mapParam(ctx: DynamoContext, name: "key" | "item"): JsonObject {
  const value = ctx.params[name];
  if (typeof value !== "object" || value === null) {
    throw new NodeError("invalid_params", `${ctx.params.operation} needs ${name} as a map of attributes`, { param: name }, false);
  }
  return value;
}

export async function nativeOperation(ctx: DynamoContext, client: DynamoClient): Promise<NodeOutcome> {
  const { params } = ctx;
  const TableName = client.table;
  switch (params.operation) {
    case "get_item": {
      const output = await client.send<{ Item?: Item }>("GetItem", {
        TableName,
        Key: marshalItem(mapParam(ctx, "key"), "key"),
        ...(params.projection_expression ? { ProjectionExpression: params.projection_expression } : {}),
        ...(params.consistent_read !== undefined ? { ConsistentRead: params.consistent_read } : {}),
        ...expressionParams({ expression_attribute_names: params.expression_attribute_names }),
      });
      const item = read(output.Item);
      return done({ item }, item ? "default" : "not_found");
    }
    case "put_item": {
      const returnValues = params.return_values ?? "NONE";
      if (returnValues !== "NONE" && returnValues !== "ALL_OLD") {
        throw new NodeError("invalid_params", "put_item takes return_values NONE or ALL_OLD", { param: "return_values" }, false);
      }
      const output = await client.send<{ Attributes?: Item }>("PutItem", {
        TableName,
        Item: marshalItem(mapParam(ctx, "item"), "item"),
        ...(params.condition_expression ? { ConditionExpression: params.condition_expression } : {}),
        ...expressionParams(params),
        ReturnValues: returnValues,
      });
      return done({ attributes: read(output.Attributes) });
    }
    case "delete_item": {
      const output = await client.send<{ Attributes?: Item }>("DeleteItem", {
        TableName,
        Key: marshalItem(mapParam(ctx, "key"), "key"),
        ...(params.condition_expression ? { ConditionExpression: params.condition_expression } : {}),
        ...expressionParams(params),
        ReturnValues: "ALL_OLD",
      });
      const attributes = read(output.Attributes);
      return done({ deleted: attributes !== null, attributes }, attributes ? "default" : "not_found");
    }
    case "update_item": {
      const output = await client.send<{ Attributes?: Item }>("UpdateItem", {
        TableName,
        Key: marshalItem(mapParam(ctx, "key"), "key"),
        UpdateExpression: params.update_expression,
        ...(params.condition_expression ? { ConditionExpression: params.condition_expression } : {}),
        ...expressionParams(params),
        ReturnValues: params.return_values ?? "ALL_NEW",
      });
      return done({ attributes: read(output.Attributes) });
    }
    case "query_items":
    case "scan":
      return done(await page(ctx, client));
    case "batch_get":
      return done(await batchGet(ctx, client, params.keys ?? []));
    case "batch_write_items": {
      const requests = [
        ...(params.put_items ?? []).map((item, i) => ({ PutRequest: { Item: marshalItem(item, `put_items[${i}]`) } })),
        ...(params.delete_keys ?? []).map((key, i) => ({ DeleteRequest: { Key: marshalItem(key, `delete_keys[${i}]`) } })),
      ];
      if (requests.length === 0)
        throw new NodeError("invalid_params", "batch_write_items needs put_items or delete_keys", { param: "put_items" }, false);
      await writeBatches(ctx, client, requests);
      return done({ written: requests.length });
    }
    case "transact_write":
      return done({ written: await transactWrite(ctx, client) });
    default:
      throw new Error(`not a native operation: ${params.operation}`);
  }
}

async function page(ctx: DynamoContext, client: DynamoClient): Promise<JsonValue> {
  const { params } = ctx;
  const output = await client.send<{ Items?: Item[]; Count?: number; ScannedCount?: number; LastEvaluatedKey?: Item }>(
    params.operation === "scan" ? "Scan" : "Query",
    {
      TableName: client.table,
      ...(params.operation === "query_items" ? { KeyConditionExpression: params.key_condition_expression } : {}),
      ...(params.operation === "query_items" && params.scan_index_forward !== undefined
        ? { ScanIndexForward: params.scan_index_forward }
        : {}),
      ...(params.index_name ? { IndexName: params.index_name } : {}),
      ...(params.filter_expression ? { FilterExpression: params.filter_expression } : {}),
      ...(params.projection_expression ? { ProjectionExpression: params.projection_expression } : {}),
      ...(params.consistent_read !== undefined ? { ConsistentRead: params.consistent_read } : {}),
      ...(params.limit !== undefined ? { Limit: params.limit } : {}),
      ...(params.cursor ? { ExclusiveStartKey: decodeCursor(params.cursor) } : {}),
      ...expressionParams(params),
    },
  );
  const items = (output.Items ?? []).map(unmarshalItem);
  return {
    items,
    count: items.length,
    scanned_count: output.ScannedCount ?? items.length,
    next_cursor: encodeCursor(output.LastEvaluatedKey),
  };
}

/** Found items in the order of `keys` (missing ones left out), unprocessed keys read again a bounded number of times. */
async function batchGet(ctx: DynamoContext, client: DynamoClient, keys: readonly JsonObject[]): Promise<JsonValue> {
  const { params } = ctx;
  const found: JsonObject[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_SIZE) {
    let pending: Item[] = keys.slice(i, i + BATCH_GET_SIZE).map((key, j) => marshalItem(key, `keys[${i + j}]`));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= UNPROCESSED_TRIES) {
        throw new NodeError("dynamodb_throttled", `DynamoDB left ${pending.length} keys unread`, { unprocessed: pending.length }, true);
      }
      if (attempt > 0) await pause(Math.min(50 * 2 ** attempt, 2000), ctx.signal);
      const output = await client.send<{ Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys: Item[] }> }>(
        "BatchGetItem",
        {
          RequestItems: {
            [client.table]: {
              Keys: pending,
              ...(params.projection_expression ? { ProjectionExpression: params.projection_expression } : {}),
              ...(params.expression_attribute_names ? { ExpressionAttributeNames: params.expression_attribute_names } : {}),
              ...(params.consistent_read !== undefined ? { ConsistentRead: params.consistent_read } : {}),
            },
          },
        },
      );
      found.push(...(output.Responses?.[client.table] ?? []).map(unmarshalItem));
      pending = output.UnprocessedKeys?.[client.table]?.Keys ?? [];
    }
  }
  const identity = (value: JsonObject, names: readonly string[]) => JSON.stringify(names.map((name) => value[name] ?? null));
  const byKey = new Map<string, JsonObject>();
  const names = Object.keys(keys[0] ?? {}).sort();
  for (const item of found) byKey.set(identity(item, names), item);
  const items: JsonObject[] = [];
  const missing: JsonObject[] = [];
  for (const key of keys) {
    const item = byKey.get(identity(key, names));
    if (item) items.push(item);
    else missing.push(key);
  }
  return { items, missing };
}

async function transactWrite(ctx: DynamoContext, client: DynamoClient): Promise<number> {
  const actions = (ctx.params.transact_items ?? []).map((action, index) => {
    const kinds = (["put", "update", "delete", "condition_check"] as const).filter((kind) => action[kind] !== undefined);
    const kind = kinds[0];
    if (kinds.length !== 1 || kind === undefined) {
      throw new NodeError(
        "invalid_params",
        `transact_items[${index}] needs exactly one of put, update, delete, condition_check`,
        { param: "transact_items" },
        false,
      );
    }
    const where = `transact_items[${index}]`;
    const common = {
      TableName: action.table_name ?? ctx.params.table_name,
      ...(action.condition_expression ? { ConditionExpression: action.condition_expression } : {}),
      ...expressionParams(action),
    };
    if (common.TableName === undefined)
      throw new NodeError("invalid_params", `${where} needs table_name (or the node's table_name)`, { param: "transact_items" }, false);
    const attributes = marshalItem(action[kind] ?? {}, `${where}.${kind}`);
    if (kind === "put") return { Put: { ...common, Item: attributes } };
    if (kind === "delete") return { Delete: { ...common, Key: attributes } };
    if (kind === "update") {
      if (!action.update_expression)
        throw new NodeError("invalid_params", `${where} needs update_expression`, { param: "transact_items" }, false);
      return { Update: { ...common, Key: attributes, UpdateExpression: action.update_expression } };
    }
    if (!action.condition_expression)
      throw new NodeError("invalid_params", `${where} needs condition_expression`, { param: "transact_items" }, false);
    return { ConditionCheck: { ...common, Key: attributes } };
  });
  // The same attempt sent again (a crash-restart) carries the same token: DynamoDB applies it once.
  const token = (await sha256Hex(`${ctx.idempotencyKey}:${ctx.item ?? ""}`)).slice(0, 36);
  await client.send("TransactWriteItems", { TransactItems: actions, ClientRequestToken: token });
  return actions.length;
}
