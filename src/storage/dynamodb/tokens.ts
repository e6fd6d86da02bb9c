import { tokenThenFlow, type OwnedApiToken, type OwnedApiTokenWithFlow } from "../token-lookup";
import { StorageError, type ApiTokenRecord, type FlowStore, type Page, type PageRequest, type TokenStore } from "../types";
import {
  isConditionFailure,
  isTransactionConditionFailure,
  optional,
  S,
  str,
  strOrNull,
  type DynamoClient,
  type Item,
} from "../../lib/dynamodb/client";
import { Expr, getItem, queryPage } from "./expressions";
import { gsi, keys, timeKey } from "./keys";

/**
 * Tokens are keyed by their hash, so authenticating a request is one read.
 * A pointer item keyed by token id serves revoke and touch.
 */
export class DynamoTokenStore implements TokenStore {
  private readonly client: DynamoClient;
  private readonly flows: Pick<FlowStore, "get">;

  constructor(client: DynamoClient, flows: Pick<FlowStore, "get">) {
    this.client = client;
    this.flows = flows;
  }

  async create(token: ApiTokenRecord): Promise<void> {
    const item: Item = {
      ...keys.token(token.token_hash),
      id: S(token.id),
      account_id: S(token.account_id),
      name: S(token.name),
      prefix: S(token.prefix),
      token_hash: S(token.token_hash),
      created_at: S(token.created_at),
      GSI1PK: S(gsi.tokens(token.account_id)),
      GSI1SK: S(timeKey(token.created_at, token.id)),
    };
    optional(item, "expires_at", token.expires_at);
    optional(item, "last_used_at", token.last_used_at);
    optional(item, "revoked_at", token.revoked_at);
    const pointer: Item = { ...keys.tokenId(token.id), token_hash: S(token.token_hash), account_id: S(token.account_id) };
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Put: { TableName: table, Item: item, ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: table, Item: pointer, ConditionExpression: "attribute_not_exists(PK)" } },
        ],
      });
    } catch (error) {
      if (isTransactionConditionFailure(error)) throw new StorageError("conflict", "Token already exists");
      throw error;
    }
  }

  async getByHash(tokenHash: string): Promise<OwnedApiToken | null> {
    const item = await getItem(this.client, keys.token(tokenHash));
    if (!item) return null;
    const token = fromItem(item);
    const account = await getItem(this.client, keys.account(token.account_id));
    return account ? { token, username: str(account, "username") } : null;
  }

  /** The default, two reads in turn: a flow's key holds its account, which only the token tells. */
  getByHashWithFlow(tokenHash: string, flowId: string, now: string): Promise<OwnedApiTokenWithFlow | null> {
    return tokenThenFlow(this, this.flows, tokenHash, flowId, now);
  }

  async list(accountId: string, page: PageRequest): Promise<Page<ApiTokenRecord>> {
    const result = await queryPage(
      this.client,
      { index: "GSI1", partition: gsi.tokens(accountId), expr: new Expr(), forward: false },
      page.limit,
      page.cursor,
    );
    return { items: result.items.map(fromItem), next_cursor: result.next_cursor };
  }

  async revoke(accountId: string, id: string, at: string): Promise<boolean> {
    const pointer = await getItem(this.client, keys.tokenId(id));
    if (!pointer || str(pointer, "account_id") !== accountId) return false;
    const expr = new Expr();
    try {
      await this.client.send("UpdateItem", {
        TableName: this.client.table,
        Key: keys.token(str(pointer, "token_hash")),
        UpdateExpression: `SET ${expr.n("revoked_at")} = ${expr.v(S(at))}`,
        ConditionExpression: `${expr.n("account_id")} = ${expr.v(S(accountId))} AND attribute_not_exists(${expr.n("revoked_at")})`,
        ...expr.params(),
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async touch(id: string, at: string): Promise<void> {
    const pointer = await getItem(this.client, keys.tokenId(id));
    if (!pointer) return;
    const expr = new Expr();
    try {
      await this.client.send("UpdateItem", {
        TableName: this.client.table,
        Key: keys.token(str(pointer, "token_hash")),
        UpdateExpression: `SET ${expr.n("last_used_at")} = ${expr.v(S(at))}`,
        ConditionExpression: "attribute_exists(PK)",
        ...expr.params(),
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function fromItem(item: Item): ApiTokenRecord {
  return {
    id: str(item, "id"),
    account_id: str(item, "account_id"),
    name: str(item, "name"),
    prefix: str(item, "prefix"),
    token_hash: str(item, "token_hash"),
    created_at: str(item, "created_at"),
    expires_at: strOrNull(item, "expires_at"),
    last_used_at: strOrNull(item, "last_used_at"),
    revoked_at: strOrNull(item, "revoked_at"),
  };
}
