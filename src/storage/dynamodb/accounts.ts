import type { AccountSettings } from "../retention";
import { StorageError, type AccountRecord, type AccountStore } from "../types";
import { isConditionFailure, isTransactionConditionFailure, N, S, str, type DynamoClient, type Item } from "../../lib/dynamodb/client";
import { Expr, getItem, setOrRemove } from "./expressions";
import { keys } from "./keys";

export class DynamoAccountStore implements AccountStore {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async create(account: AccountRecord): Promise<void> {
    // The username is unique through a claim item written in the same transaction.
    const item: Item = {
      ...keys.account(account.id),
      id: S(account.id),
      username: S(account.username),
      password_hash: S(account.password_hash),
      created_at: S(account.created_at),
      updated_at: S(account.updated_at),
    };
    const claim: Item = { ...keys.username(account.username), account_id: S(account.id) };
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Put: { TableName: table, Item: item, ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: table, Item: claim, ConditionExpression: "attribute_not_exists(PK)" } },
        ],
      });
    } catch (error) {
      if (isTransactionConditionFailure(error)) throw new StorageError("conflict", "Username is taken");
      throw error;
    }
  }

  async get(id: string): Promise<AccountRecord | null> {
    const item = await getItem(this.client, keys.account(id));
    return item ? fromItem(item) : null;
  }

  async getByUsername(username: string): Promise<AccountRecord | null> {
    const claim = await getItem(this.client, keys.username(username));
    return claim ? this.get(str(claim, "account_id")) : null;
  }

  async getSettings(accountId: string): Promise<AccountSettings | null> {
    const item = await getItem(this.client, keys.account(accountId));
    return item ? settingsOf(item) : null;
  }

  async updateSettings(accountId: string, patch: Partial<AccountSettings>, at: string): Promise<AccountSettings | null> {
    const expr = new Expr();
    const fields: Record<string, Item[string] | null> = { updated_at: S(at) };
    if (patch.retention_days !== undefined) fields.retention_days = patch.retention_days === null ? null : N(patch.retention_days);
    try {
      const output = await this.client.send<{ Attributes?: Item }>("UpdateItem", {
        TableName: this.client.table,
        Key: keys.account(accountId),
        UpdateExpression: setOrRemove(expr, fields),
        ConditionExpression: "attribute_exists(PK)",
        ReturnValues: "ALL_NEW",
        ...expr.params(),
      });
      return output.Attributes ? settingsOf(output.Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }
}

function settingsOf(item: Item): AccountSettings {
  const days = item.retention_days;
  return { retention_days: days && "N" in days ? Number(days.N) : null };
}

function fromItem(item: Item): AccountRecord {
  return {
    id: str(item, "id"),
    username: str(item, "username"),
    password_hash: str(item, "password_hash"),
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
  };
}
