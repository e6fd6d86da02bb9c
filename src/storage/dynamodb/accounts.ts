import { StorageError, type AccountRecord, type AccountStore } from "../types";
import { isTransactionConditionFailure, S, str, type DynamoClient, type Item } from "../../lib/dynamodb/client";
import { getItem } from "./expressions";
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
