import { StorageError, type Page, type PageRequest, type PluginStore, type PluginVersionRecord, type StoredPluginKind } from "../types";
import type { PluginManifest } from "../../plugins/contract";
import {
  isConditionFailure,
  isTransactionConditionFailure,
  json,
  N,
  num,
  optional,
  S,
  str,
  strOrNull,
  type DynamoClient,
  type Item,
} from "../../lib/dynamodb/client";
import { batchDelete, Expr, getItem, queryAll, queryPage } from "./expressions";
import { gsi, keys, pluginPartition, VERSION_PREFIX } from "./keys";

/**
 * A plugin lives in a partition of its own: the head item (the newest version, listed per account
 * through GSI1 by name) and one item per version. An update is a transaction whose head write is
 * conditional on the expected version. Items hold the JS source inline (the service caps it well
 * under DynamoDB's 400 KB item size).
 */
export class DynamoPluginStore implements PluginStore {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async create(first: PluginVersionRecord): Promise<void> {
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Put: { TableName: table, Item: headItem(first), ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: table, Item: versionItem(first), ConditionExpression: "attribute_not_exists(PK)" } },
        ],
      });
    } catch (error) {
      if (isTransactionConditionFailure(error)) throw new StorageError("conflict", `Plugin ${first.name} already exists`);
      throw error;
    }
  }

  async addVersion(next: PluginVersionRecord): Promise<void> {
    const table = this.client.table;
    const expr = new Expr();
    const condition = `${expr.n("version")} = ${expr.v(N(next.version - 1))}`;
    const current = await getItem(this.client, keys.plugin(next.account_id, next.name));
    // created_at is the plugin's, kept from the head.
    const record = current ? { ...next, created_at: str(current, "created_at") } : next;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Put: { TableName: table, Item: headItem(record), ConditionExpression: condition, ...expr.params() } },
          { Put: { TableName: table, Item: versionItem(record), ConditionExpression: "attribute_not_exists(PK)" } },
        ],
      });
    } catch (error) {
      if (isTransactionConditionFailure(error) || isConditionFailure(error)) {
        throw new StorageError("precondition", `Plugin ${next.name} is no longer at version ${next.version - 1}`);
      }
      throw error;
    }
  }

  async get(accountId: string, name: string): Promise<PluginVersionRecord | null> {
    const item = await getItem(this.client, keys.plugin(accountId, name));
    return item ? fromItem(item) : null;
  }

  async getVersion(accountId: string, name: string, version: number): Promise<PluginVersionRecord | null> {
    const item = await getItem(this.client, keys.pluginVersion(accountId, name, version));
    return item ? fromItem(item) : null;
  }

  async list(accountId: string): Promise<PluginVersionRecord[]> {
    const records: PluginVersionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryPage(
        this.client,
        { index: "GSI1", partition: gsi.plugins(accountId), expr: new Expr(), forward: true },
        100,
        cursor,
      );
      records.push(...page.items.map(fromItem));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return records;
  }

  async listVersions(accountId: string, name: string, page: PageRequest): Promise<Page<PluginVersionRecord>> {
    const expr = new Expr();
    const result = await queryPage(
      this.client,
      {
        partition: pluginPartition(accountId, name),
        sortCondition: `begins_with(${expr.n("SK")}, ${expr.v(S(VERSION_PREFIX))})`,
        expr,
        forward: false,
      },
      page.limit,
      page.cursor,
    );
    return { items: result.items.map(fromItem), next_cursor: result.next_cursor };
  }

  async delete(accountId: string, name: string): Promise<boolean> {
    const expr = new Expr();
    const items = await queryAll(this.client, {
      KeyConditionExpression: `${expr.n("PK")} = ${expr.v(S(pluginPartition(accountId, name)))}`,
      ProjectionExpression: `${expr.n("PK")}, ${expr.n("SK")}`,
      expr,
    });
    const existed = items.some((item) => str(item, "SK") === "PLUGIN");
    await batchDelete(this.client, items);
    return existed;
  }
}

function fields(record: PluginVersionRecord): Item {
  const item: Item = {
    account_id: S(record.account_id),
    name: S(record.name),
    version: N(record.version),
    kind: S(record.kind),
    manifest: S(JSON.stringify(record.manifest)),
    created_at: S(record.created_at),
    updated_at: S(record.updated_at),
    created_by: S(record.created_by),
  };
  optional(item, "source", record.source);
  optional(item, "url", record.url);
  optional(item, "secret_ciphertext", record.secret_ciphertext);
  return item;
}

function headItem(record: PluginVersionRecord): Item {
  return {
    ...keys.plugin(record.account_id, record.name),
    ...fields(record),
    GSI1PK: S(gsi.plugins(record.account_id)),
    GSI1SK: S(record.name),
  };
}

function versionItem(record: PluginVersionRecord): Item {
  return { ...keys.pluginVersion(record.account_id, record.name, record.version), ...fields(record) };
}

function fromItem(item: Item): PluginVersionRecord {
  return {
    account_id: str(item, "account_id"),
    name: str(item, "name"),
    version: num(item, "version"),
    kind: str(item, "kind") as StoredPluginKind,
    manifest: json<PluginManifest>(item, "manifest", { name: "", version: "", description: "", nodes: {} }),
    source: strOrNull(item, "source"),
    url: strOrNull(item, "url"),
    secret_ciphertext: strOrNull(item, "secret_ciphertext"),
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
    created_by: str(item, "created_by"),
  };
}
