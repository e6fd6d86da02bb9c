import { decodeCursor, toPageByKey } from "../cursor";
import { requireNodeTrigger } from "../trigger-rules";
import {
  StorageError,
  type Page,
  type PageRequest,
  type TriggerFilter,
  type TriggerKind,
  type TriggerRecord,
  type TriggerStore,
} from "../types";
import {
  BOOL,
  isConditionFailure,
  isTransactionConditionFailure,
  N,
  S,
  SS,
  str,
  type DynamoClient,
  type Item,
} from "../../lib/dynamodb/client";
import { batchGet, Expr, getItem, queryPage, setOrRemove } from "./expressions";
import { gsi, keys } from "./keys";
import { headTriggers, NODE_IDS, NODE_REVISION, triggerFromItem, triggerWrite } from "./trigger-items";

/**
 * One item per trigger, keyed by its public id (a webhook call is one read).
 * An account's triggers are listed through GSI1, one kind's across accounts
 * through GSI2; a flow's through the ids its head lists, read consistently, so
 * a save right after another sees the triggers the previous one wrote.
 * Declared triggers are written by DynamoFlowStore with each version.
 */
export class DynamoTriggerStore implements TriggerStore {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async get(id: string): Promise<TriggerRecord | null> {
    const item = await getItem(this.client, keys.trigger(id));
    return item ? triggerFromItem(item) : null;
  }

  async list(accountId: string, filter: TriggerFilter, page: PageRequest): Promise<Page<TriggerRecord>> {
    if (filter.flow_id) return this.listOfFlow(accountId, filter.flow_id, filter, page);
    const expr = new Expr();
    const conditions: string[] = [];
    if (filter.kind) conditions.push(`${expr.n("kind")} = ${expr.v(S(filter.kind))}`);
    if (filter.source) conditions.push(`${expr.n("source")} = ${expr.v(S(filter.source))}`);
    if (filter.key !== undefined) conditions.push(`${expr.n("key")} = ${expr.v(S(filter.key))}`);
    const result = await queryPage(
      this.client,
      { index: "GSI1", partition: gsi.triggers(accountId), filter: conditions.join(" AND ") || undefined, expr, forward: true },
      page.limit,
      page.cursor,
    );
    return { items: result.items.map(triggerFromItem), next_cursor: result.next_cursor };
  }

  async listAll(kind: TriggerKind, page: PageRequest): Promise<Page<TriggerRecord>> {
    const result = await queryPage(
      this.client,
      { index: "GSI2", partition: gsi.triggersByKind(kind), expr: new Expr(), forward: true },
      page.limit,
      page.cursor,
    );
    return { items: result.items.map(triggerFromItem), next_cursor: result.next_cursor };
  }

  async putNodeTrigger(trigger: TriggerRecord): Promise<void> {
    requireNodeTrigger(trigger);
    // The head lists the schedule (and its revision moves) in the same transaction, so a flow
    // delete either sees it or fails its condition and starts over.
    const expr = new Expr();
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: keys.flow(trigger.flow_id),
              UpdateExpression: `ADD ${expr.n(NODE_IDS)} ${expr.v(SS([trigger.id]))}, ${expr.n(NODE_REVISION)} ${expr.v(N(1))}`,
              ConditionExpression: `${expr.n("account_id")} = ${expr.v(S(trigger.account_id))}`,
              ...expr.params(),
            },
          },
          triggerWrite(table, trigger, "node"),
        ],
      });
    } catch (error) {
      if (!isTransactionConditionFailure(error)) throw error;
      const [head] = error.cancellationReasons;
      if (head?.Code === "ConditionalCheckFailed") throw new StorageError("conflict", `Flow ${trigger.flow_id} does not exist`);
      throw new StorageError("conflict", `Trigger ${trigger.id} belongs to something else`);
    }
  }

  async deleteNodeTrigger(accountId: string, id: string): Promise<boolean> {
    const item = await getItem(this.client, keys.trigger(id));
    if (!item || str(item, "account_id") !== accountId || str(item, "source") !== "node") return false;
    const mine = new Expr();
    const own = `${mine.n("account_id")} = ${mine.v(S(accountId))} AND ${mine.n("source")} = ${mine.v(S("node"))}`;
    const head = new Expr();
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Delete: { TableName: table, Key: keys.trigger(id), ConditionExpression: own, ...mine.params() } },
          {
            Update: {
              TableName: table,
              Key: keys.flow(str(item, "flow_id")),
              UpdateExpression: `DELETE ${head.n(NODE_IDS)} ${head.v(SS([id]))} ADD ${head.n(NODE_REVISION)} ${head.v(N(1))}`,
              ConditionExpression: `attribute_exists(${head.n("PK")})`,
              ...head.params(),
            },
          },
        ],
      });
      return true;
    } catch (error) {
      if (!isTransactionConditionFailure(error)) throw error;
      if (error.cancellationReasons[0]?.Code === "ConditionalCheckFailed") return false;
    }
    // A schedule whose flow head is gone (which a flow delete does not leave behind): delete it alone.
    try {
      await this.client.send("DeleteItem", { TableName: table, Key: keys.trigger(id), ConditionExpression: own, ...mine.params() });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async setPaused(accountId: string, id: string, paused: boolean, at: string): Promise<TriggerRecord | null> {
    const expr = new Expr();
    try {
      const output = await this.client.send<{ Attributes?: Item }>("UpdateItem", {
        TableName: this.client.table,
        Key: keys.trigger(id),
        UpdateExpression: setOrRemove(expr, { paused: BOOL(paused), updated_at: S(at) }),
        ConditionExpression: `${expr.n("account_id")} = ${expr.v(S(accountId))}`,
        ReturnValues: "ALL_NEW",
        ...expr.params(),
      });
      return output.Attributes ? triggerFromItem(output.Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  /** A flow's triggers are few (its declarations and its nodes' schedules): read them all, page in memory. */
  private async listOfFlow(accountId: string, flowId: string, filter: TriggerFilter, page: PageRequest): Promise<Page<TriggerRecord>> {
    const after = page.cursor ? String(decodeCursor(page.cursor, ["id"]).id) : null;
    const head = await getItem(this.client, keys.flow(flowId));
    if (!head || str(head, "account_id") !== accountId) return { items: [], next_cursor: null };
    const { declared, node } = headTriggers(head);
    const ids = [...declared, ...node].filter((id) => after === null || id > after);
    const records = (await batchGet(this.client, ids.map(keys.trigger)))
      .map(triggerFromItem)
      .filter(
        (t) =>
          t.account_id === accountId &&
          (!filter.kind || t.kind === filter.kind) &&
          (!filter.source || t.source === filter.source) &&
          (filter.key === undefined || t.key === filter.key),
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return toPageByKey(records, page.limit, "id");
  }
}
