import type { Page, PageRequest, SecretFilter, SecretRecord, SecretStore, WrappedKeyRecord } from "../types";
import { isConditionFailure, L, list, S, str, strOrNull, type DynamoClient, type Item } from "../../lib/dynamodb/client";
import { batchGet, Expr, getItem, queryAll, queryPage, setOrRemove } from "./expressions";
import { accountPartition, gsi, keys, SECRET_PREFIX } from "./keys";

/**
 * Secrets and the account's data key share the account partition
 * (`ACCOUNT#<id>`), so a secret list is one strongly consistent query sorted
 * by key. Data keys are also indexed in GSI1 under one partition, by account
 * id, for master-key rotation.
 */
export class DynamoSecretStore implements SecretStore {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async getDataKey(accountId: string): Promise<WrappedKeyRecord | null> {
    const item = await getItem(this.client, keys.dataKey(accountId));
    return item ? dataKeyFromItem(item) : null;
  }

  async putDataKeyIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord> {
    const item: Item = {
      ...keys.dataKey(record.account_id),
      account_id: S(record.account_id),
      kid: S(record.kid),
      wrapped: S(record.wrapped),
      created_at: S(record.created_at),
      updated_at: S(record.updated_at),
      GSI1PK: S(gsi.dataKeys()),
      GSI1SK: S(record.account_id),
    };
    try {
      await this.client.send("PutItem", { TableName: this.client.table, Item: item, ConditionExpression: "attribute_not_exists(PK)" });
      return record;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getDataKey(record.account_id))!;
    }
  }

  async rewrapDataKey(record: WrappedKeyRecord, expectedKid: string): Promise<boolean> {
    const expr = new Expr();
    try {
      await this.client.send("UpdateItem", {
        TableName: this.client.table,
        Key: keys.dataKey(record.account_id),
        UpdateExpression: setOrRemove(expr, { kid: S(record.kid), wrapped: S(record.wrapped), updated_at: S(record.updated_at) }),
        ConditionExpression: `${expr.n("kid")} = ${expr.v(S(expectedKid))}`,
        ...expr.params(),
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async dataKeysNotWrappedBy(kid: string, limit: number, after = ""): Promise<WrappedKeyRecord[]> {
    const found: WrappedKeyRecord[] = [];
    let cursor: string | undefined;
    do {
      const expr = new Expr();
      const page = await queryPage(
        this.client,
        {
          index: "GSI1",
          partition: gsi.dataKeys(),
          sortCondition: `${expr.n("GSI1SK")} > ${expr.v(S(after))}`,
          filter: `${expr.n("kid")} <> ${expr.v(S(kid))}`,
          expr,
          forward: true,
        },
        limit - found.length,
        cursor,
      );
      found.push(...page.items.map(dataKeyFromItem));
      cursor = page.next_cursor ?? undefined;
    } while (cursor && found.length < limit);
    return found;
  }

  async put(secret: SecretRecord): Promise<"created" | "updated"> {
    const expr = new Expr();
    const update = setOrRemove(
      expr,
      {
        account_id: S(secret.account_id),
        key: S(secret.key),
        type: S(secret.type),
        description: secret.description === null ? null : S(secret.description),
        tags: L(secret.tags),
        ciphertext: S(secret.ciphertext),
        updated_at: S(secret.updated_at),
      },
      [`${expr.n("created_at")} = if_not_exists(${expr.n("created_at")}, ${expr.v(S(secret.created_at))})`],
    );
    const output = await this.client.send<{ Attributes?: Item }>("UpdateItem", {
      TableName: this.client.table,
      Key: keys.secret(secret.account_id, secret.key),
      UpdateExpression: update,
      ReturnValues: "ALL_OLD",
      ...expr.params(),
    });
    return output.Attributes ? "updated" : "created";
  }

  async get(accountId: string, key: string): Promise<SecretRecord | null> {
    const item = await getItem(this.client, keys.secret(accountId, key));
    return item ? secretFromItem(item) : null;
  }

  async getMany(accountId: string, wanted: readonly string[] | "all"): Promise<SecretRecord[]> {
    if (wanted === "all") {
      const expr = new Expr();
      const items = await queryAll(this.client, {
        KeyConditionExpression: `${expr.n("PK")} = ${expr.v(S(accountPartition(accountId)))} AND begins_with(${expr.n("SK")}, ${expr.v(S(SECRET_PREFIX))})`,
        expr,
      });
      return items.map(secretFromItem);
    }
    const items = await batchGet(
      this.client,
      [...new Set(wanted)].map((key) => keys.secret(accountId, key)),
    );
    return items.map(secretFromItem);
  }

  async list(accountId: string, filter: SecretFilter, page: PageRequest): Promise<Page<SecretRecord>> {
    const expr = new Expr();
    const conditions: string[] = [];
    if (filter.type) conditions.push(`${expr.n("type")} = ${expr.v(S(filter.type))}`);
    if (filter.tag) conditions.push(`contains(${expr.n("tags")}, ${expr.v(S(filter.tag))})`);
    const result = await queryPage(
      this.client,
      {
        partition: accountPartition(accountId),
        sortCondition: `begins_with(${expr.n("SK")}, ${expr.v(S(SECRET_PREFIX))})`,
        filter: conditions.join(" AND ") || undefined,
        expr,
        forward: true,
      },
      page.limit,
      page.cursor,
    );
    return { items: result.items.map(secretFromItem), next_cursor: result.next_cursor };
  }

  async delete(accountId: string, key: string): Promise<boolean> {
    const output = await this.client.send<{ Attributes?: Item }>("DeleteItem", {
      TableName: this.client.table,
      Key: keys.secret(accountId, key),
      ReturnValues: "ALL_OLD",
    });
    return output.Attributes !== undefined;
  }

  async touch(accountId: string, wanted: readonly string[], at: string): Promise<void> {
    await Promise.all(
      [...new Set(wanted)].map(async (key) => {
        const expr = new Expr();
        try {
          await this.client.send("UpdateItem", {
            TableName: this.client.table,
            Key: keys.secret(accountId, key),
            UpdateExpression: `SET ${expr.n("last_used_at")} = ${expr.v(S(at))}`,
            ConditionExpression: "attribute_exists(PK)",
            ...expr.params(),
          });
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }
}

function dataKeyFromItem(item: Item): WrappedKeyRecord {
  return {
    account_id: str(item, "account_id"),
    kid: str(item, "kid"),
    wrapped: str(item, "wrapped"),
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
  };
}

function secretFromItem(item: Item): SecretRecord {
  return {
    account_id: str(item, "account_id"),
    key: str(item, "key"),
    type: str(item, "type"),
    description: strOrNull(item, "description"),
    tags: list(item, "tags"),
    ciphertext: str(item, "ciphertext"),
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
    last_used_at: strOrNull(item, "last_used_at"),
  };
}
