import {
  StorageError,
  type Page,
  type PageRequest,
  type WebhookSubscriptionPatch,
  type WebhookSubscriptionRecord,
  type WebhookSubscriptionStore,
} from "../types";
import {
  bool,
  BOOL,
  isConditionFailure,
  L,
  list,
  S,
  str,
  strOrNull,
  type AttributeValue,
  type DynamoClient,
  type Item,
} from "../../lib/dynamodb/client";
import { Expr, getItem, queryAll, queryPage, setOrRemove } from "./expressions";
import { accountPartition, gsi, keys, timeKey, WEBHOOK_PREFIX } from "./keys";

/**
 * Subscriptions live in the account partition (`WEBHOOK#<id>`), so the
 * enabled ones an event fans out to are one consistent query; GSI1 lists them
 * newest first.
 */
export class DynamoWebhookSubscriptionStore implements WebhookSubscriptionStore {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async create(subscription: WebhookSubscriptionRecord): Promise<void> {
    const item: Item = {
      ...keys.webhook(subscription.account_id, subscription.id),
      id: S(subscription.id),
      account_id: S(subscription.account_id),
      created_at: S(subscription.created_at),
      GSI1PK: S(gsi.webhooks(subscription.account_id)),
      GSI1SK: S(timeKey(subscription.created_at, subscription.id)),
    };
    for (const [name, value] of Object.entries(changingFields(subscription))) if (value) item[name] = value;
    try {
      await this.client.send("PutItem", { TableName: this.client.table, Item: item, ConditionExpression: "attribute_not_exists(PK)" });
    } catch (error) {
      if (isConditionFailure(error)) throw new StorageError("conflict", `Subscription ${subscription.id} already exists`);
      throw error;
    }
  }

  async get(accountId: string, id: string): Promise<WebhookSubscriptionRecord | null> {
    const item = await getItem(this.client, keys.webhook(accountId, id));
    return item ? fromItem(item) : null;
  }

  async list(accountId: string, page: PageRequest): Promise<Page<WebhookSubscriptionRecord>> {
    const result = await queryPage(
      this.client,
      { index: "GSI1", partition: gsi.webhooks(accountId), expr: new Expr(), forward: false },
      page.limit,
      page.cursor,
    );
    return { items: result.items.map(fromItem), next_cursor: result.next_cursor };
  }

  async listEnabled(accountId: string): Promise<WebhookSubscriptionRecord[]> {
    const expr = new Expr();
    const items = await queryAll(this.client, {
      KeyConditionExpression: `${expr.n("PK")} = ${expr.v(S(accountPartition(accountId)))} AND begins_with(${expr.n("SK")}, ${expr.v(S(WEBHOOK_PREFIX))})`,
      FilterExpression: `${expr.n("enabled")} = ${expr.v(BOOL(true))}`,
      expr,
    });
    return items.map(fromItem);
  }

  async update(accountId: string, id: string, patch: WebhookSubscriptionPatch, at: string): Promise<WebhookSubscriptionRecord | null> {
    const expr = new Expr();
    // Only what the patch names changes (undefined is left out); a null clears.
    const fields = Object.fromEntries(Object.entries(changingFields(patch)).filter(([, value]) => value !== undefined));
    try {
      const output = await this.client.send<{ Attributes?: Item }>("UpdateItem", {
        TableName: this.client.table,
        Key: keys.webhook(accountId, id),
        UpdateExpression: setOrRemove(expr, { ...fields, updated_at: S(at) }),
        ConditionExpression: `attribute_exists(${expr.n("PK")})`,
        ReturnValues: "ALL_NEW",
        ...expr.params(),
      });
      return output.Attributes ? fromItem(output.Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const output = await this.client.send<{ Attributes?: Item }>("DeleteItem", {
      TableName: this.client.table,
      Key: keys.webhook(accountId, id),
      ReturnValues: "ALL_OLD",
    });
    return output.Attributes !== undefined;
  }
}

/** The attributes of the fields a patch may change: undefined when not given, null when cleared (absent). */
function changingFields(values: WebhookSubscriptionPatch & { updated_at?: string }): Record<string, AttributeValue | null | undefined> {
  const text = (value: string | null | undefined) => (value === null || value === undefined ? value : S(value));
  return {
    url: text(values.url),
    events: values.events && L(values.events),
    flow_id: text(values.flow_id),
    description: text(values.description),
    secret_ciphertext: text(values.secret_ciphertext),
    enabled: values.enabled === undefined ? undefined : BOOL(values.enabled),
    disabled_reason: text(values.disabled_reason),
    updated_at: text(values.updated_at),
  };
}

function fromItem(item: Item): WebhookSubscriptionRecord {
  return {
    id: str(item, "id"),
    account_id: str(item, "account_id"),
    url: str(item, "url"),
    events: list(item, "events"),
    flow_id: strOrNull(item, "flow_id"),
    description: strOrNull(item, "description"),
    secret_ciphertext: str(item, "secret_ciphertext"),
    enabled: bool(item, "enabled", true),
    disabled_reason: strOrNull(item, "disabled_reason"),
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
  };
}
