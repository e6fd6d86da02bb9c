import { decodeCursor, encodeCursor } from "../cursor";
import {
  StorageError,
  type FlowFilter,
  type FlowMetadataPatch,
  type FlowRecord,
  type FlowStore,
  type FlowVersionRecord,
  type Page,
  type PageRequest,
  type TriggerRecord,
} from "../types";
import { requireFlowTriggers } from "../trigger-rules";
import {
  bool,
  BOOL,
  isConditionFailure,
  isTransactionConditionFailure,
  json,
  L,
  list,
  N,
  num,
  optional,
  S,
  SS,
  str,
  strOrNull,
  type AttributeValue,
  type DynamoClient,
  type Item,
} from "../../lib/dynamodb/client";
import { batchDelete, Expr, getItem, queryAll, queryPage, setOrRemove } from "./expressions";
import { chunkPrefix, flowPartition, gsi, keys, timeKey, VERSION_PREFIX } from "./keys";
import { DECLARED_IDS, headTriggers, NODE_REVISION, triggerWrite } from "./trigger-items";

/** Content up to this many UTF-8 bytes is stored inline in the flow and version items. */
export const INLINE_CONTENT_BYTES = 64 * 1024;
/** Larger content is split into chunk items of at most this many bytes (items are capped at 400 KB). */
export const CHUNK_BYTES = 256 * 1024;
/** A save is one transaction, capped at 4 MB; this leaves room for the other items. */
export const MAX_CONTENT_BYTES = 3 * 1024 * 1024;

/**
 * Flows live in one partition per flow: the head item (the current version,
 * listed per account through GSI1), one item per version, and content chunks
 * for flows too large to inline. Saves are transactions whose head update is
 * conditional on the expected version.
 */
export class DynamoFlowStore implements FlowStore {
  private readonly client: DynamoClient;

  constructor(client: DynamoClient) {
    this.client = client;
  }

  async create(flow: FlowRecord, version: FlowVersionRecord, declared: readonly TriggerRecord[]): Promise<void> {
    requireFlowTriggers(flow, declared);
    const content = storedContent(flow.content, version);
    const head: Item = {
      ...keys.flow(flow.id),
      id: S(flow.id),
      account_id: S(flow.account_id),
      custom: S(JSON.stringify(flow.custom)),
      enabled: BOOL(flow.enabled),
      created_at: S(flow.created_at),
      GSI1PK: S(gsi.flows(flow.account_id)),
      GSI1SK: S(timeKey(flow.created_at, flow.id)),
    };
    const fields = { ...headFields(flow), ...content.attributes, [DECLARED_IDS]: idSet(declared) };
    for (const [name, value] of Object.entries(fields)) if (value) head[name] = value;
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          { Put: { TableName: table, Item: head, ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: table, Item: versionItem(version, content.attributes), ConditionExpression: "attribute_not_exists(PK)" } },
          ...content.chunks.map((chunk) => ({ Put: { TableName: table, Item: chunk } })),
          ...declared.map((trigger) => triggerWrite(table, trigger, "nobody")),
        ],
      });
    } catch (error) {
      if (isTransactionConditionFailure(error)) throw new StorageError("conflict", `Flow ${flow.id} or one of its triggers already exists`);
      throw error;
    }
  }

  async get(accountId: string, id: string): Promise<FlowRecord | null> {
    const item = await getItem(this.client, keys.flow(id));
    if (!item || str(item, "account_id") !== accountId) return null;
    return this.headRecord(item);
  }

  async list(accountId: string, filter: FlowFilter, page: PageRequest): Promise<Page<FlowRecord>> {
    const expr = new Expr();
    const conditions: string[] = [];
    if (filter.name_contains) conditions.push(`contains(${expr.n("name_lower")}, ${expr.v(S(filter.name_contains.toLowerCase()))})`);
    if (filter.status) conditions.push(`${expr.n("status")} = ${expr.v(S(filter.status))}`);
    if (filter.category) conditions.push(`${expr.n("category")} = ${expr.v(S(filter.category))}`);
    if (filter.tag) conditions.push(`contains(${expr.n("tags")}, ${expr.v(S(filter.tag))})`);
    const result = await queryPage(
      this.client,
      { index: "GSI1", partition: gsi.flows(accountId), filter: conditions.join(" AND ") || undefined, expr, forward: false },
      page.limit,
      page.cursor,
    );
    return { items: await Promise.all(result.items.map((item) => this.headRecord(item))), next_cursor: result.next_cursor };
  }

  async update(flow: FlowRecord, version: FlowVersionRecord, expectedVersion: number, declared: readonly TriggerRecord[]): Promise<void> {
    requireFlowTriggers(flow, declared);
    const precondition = () => new StorageError("precondition", `Flow ${flow.id} is no longer at version ${expectedVersion}`);
    // The head's list of declared ids changes only with its version, so while the transaction's
    // condition holds, the ids read here are the ones to compare against.
    const current = await getItem(this.client, keys.flow(flow.id));
    if (!current || str(current, "account_id") !== flow.account_id || num(current, "version") !== expectedVersion) throw precondition();
    const keptIds = new Set(declared.map((t) => t.id));
    const removed = headTriggers(current).declared.filter((id) => !keptIds.has(id));
    const content = storedContent(flow.content, version);
    const expr = new Expr();
    const update = setOrRemove(expr, {
      ...headFields(flow),
      content: null,
      content_chunks: null,
      content_version: null,
      ...content.attributes,
      [DECLARED_IDS]: idSet(declared),
    });
    const table = this.client.table;
    try {
      await this.client.send("TransactWriteItems", {
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: keys.flow(flow.id),
              UpdateExpression: update,
              ConditionExpression: `${expr.n("account_id")} = ${expr.v(S(flow.account_id))} AND ${expr.n("version")} = ${expr.v(N(expectedVersion))}`,
              ...expr.params(),
            },
          },
          { Put: { TableName: table, Item: versionItem(version, content.attributes), ConditionExpression: "attribute_not_exists(PK)" } },
          ...content.chunks.map((chunk) => ({ Put: { TableName: table, Item: chunk } })),
          ...declared.map((trigger) => triggerWrite(table, trigger, "flow")),
          ...removed.map((id) => ({ Delete: { TableName: table, Key: keys.trigger(id) } })),
        ],
      });
    } catch (error) {
      if (!isTransactionConditionFailure(error)) throw error;
      // The head and the version item come first: theirs is the precondition; a trigger's, a taken id.
      const [head, saved] = error.cancellationReasons;
      if (head?.Code === "ConditionalCheckFailed" || saved?.Code === "ConditionalCheckFailed") throw precondition();
      throw new StorageError("conflict", `A trigger of flow ${flow.id} belongs to something else`);
    }
  }

  async updateMetadata(accountId: string, id: string, patch: FlowMetadataPatch, at: string): Promise<FlowRecord | null> {
    const expr = new Expr();
    const fields: Record<string, AttributeValue | null> = { updated_at: S(at) };
    if (patch.tags !== undefined) fields.tags = L(patch.tags);
    if (patch.status !== undefined) fields.status = S(patch.status);
    if (patch.category !== undefined) fields.category = patch.category === null ? null : S(patch.category);
    if (patch.custom !== undefined) fields.custom = S(JSON.stringify(patch.custom));
    if (patch.enabled !== undefined) fields.enabled = BOOL(patch.enabled);
    try {
      const output = await this.client.send<{ Attributes?: Item }>("UpdateItem", {
        TableName: this.client.table,
        Key: keys.flow(id),
        UpdateExpression: setOrRemove(expr, fields),
        ConditionExpression: `${expr.n("account_id")} = ${expr.v(S(accountId))}`,
        ReturnValues: "ALL_NEW",
        ...expr.params(),
      });
      return output.Attributes ? this.headRecord(output.Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    // The head and every trigger it lists go in one transaction, conditional on the head being as
    // read: a save or a node schedule made meanwhile changes it, and the delete starts over.
    for (let attempt = 0; attempt < 5; attempt++) {
      const head = await getItem(this.client, keys.flow(id));
      if (!head || str(head, "account_id") !== accountId) return false;
      const { declared, node, nodeRevision } = headTriggers(head);
      // A transaction holds at most 100 items; schedules beyond that follow right after it.
      const triggerKeys = [...declared, ...node].map((triggerId) => keys.trigger(triggerId));
      const expr = new Expr();
      const revision = expr.n(NODE_REVISION);
      const unchanged = [
        `${expr.n("account_id")} = ${expr.v(S(accountId))}`,
        `${expr.n("version")} = ${expr.v(N(num(head, "version")))}`,
        nodeRevision === null ? `attribute_not_exists(${revision})` : `${revision} = ${expr.v(N(nodeRevision))}`,
      ].join(" AND ");
      const table = this.client.table;
      try {
        await this.client.send("TransactWriteItems", {
          TransactItems: [
            { Delete: { TableName: table, Key: keys.flow(id), ConditionExpression: unchanged, ...expr.params() } },
            ...triggerKeys.slice(0, 99).map((key) => ({ Delete: { TableName: table, Key: key } })),
          ],
        });
      } catch (error) {
        if (isTransactionConditionFailure(error)) continue;
        throw error;
      }
      const partExpr = new Expr();
      const parts = await queryAll(this.client, {
        KeyConditionExpression: `${partExpr.n("PK")} = ${partExpr.v(S(flowPartition(id)))}`,
        ProjectionExpression: `${partExpr.n("PK")}, ${partExpr.n("SK")}`,
        expr: partExpr,
      });
      await batchDelete(this.client, [...triggerKeys.slice(99), ...parts]);
      return true;
    }
    throw new Error(`Flow ${id} kept changing while it was being deleted`);
  }

  async listVersions(accountId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersionRecord>> {
    // Cursors carry the version number, as on D1 and Postgres.
    const before = page.cursor ? Number(decodeCursor(page.cursor, ["version"] as const).version) : null;
    if (before !== null && !Number.isInteger(before)) throw new StorageError("invalid_cursor", "The cursor is not valid");
    const expr = new Expr();
    const sortCondition =
      before === null
        ? `begins_with(${expr.n("SK")}, ${expr.v(S(VERSION_PREFIX))})`
        : `${expr.n("SK")} BETWEEN ${expr.v(S(VERSION_PREFIX))} AND ${expr.v(keys.flowVersion(flowId, Math.max(before - 1, 0)).SK!)}`;
    const result = await queryPage(
      this.client,
      {
        partition: flowPartition(flowId),
        sortCondition,
        filter: `${expr.n("account_id")} = ${expr.v(S(accountId))}`,
        expr,
        forward: false,
      },
      page.limit,
      undefined,
    );
    const items = await Promise.all(result.items.map((item) => this.versionRecord(item)));
    const last = items.at(-1);
    return { items, next_cursor: result.next_cursor && last ? encodeCursor({ version: last.version }) : null };
  }

  async getVersion(accountId: string, flowId: string, version: number): Promise<FlowVersionRecord | null> {
    if (!Number.isInteger(version) || version < 0) return null;
    const item = await getItem(this.client, keys.flowVersion(flowId, version));
    if (!item || str(item, "account_id") !== accountId) return null;
    return this.versionRecord(item);
  }

  private async headRecord(item: Item): Promise<FlowRecord> {
    const id = str(item, "id");
    return {
      id,
      account_id: str(item, "account_id"),
      name: str(item, "name"),
      description: strOrNull(item, "description"),
      version: num(item, "version"),
      content: await this.content(id, item),
      tags: list(item, "tags"),
      category: strOrNull(item, "category"),
      status: str(item, "status"),
      custom: json<Record<string, unknown>>(item, "custom", {}),
      // Flows saved before the switch existed have no attribute: they are on.
      enabled: bool(item, "enabled", true),
      created_at: str(item, "created_at"),
      updated_at: str(item, "updated_at"),
    };
  }

  private async versionRecord(item: Item): Promise<FlowVersionRecord> {
    const flowId = str(item, "flow_id");
    return {
      flow_id: flowId,
      account_id: str(item, "account_id"),
      version: num(item, "version"),
      content: await this.content(flowId, item),
      name: str(item, "name"),
      description: strOrNull(item, "description"),
      created_at: str(item, "created_at"),
      created_by: str(item, "created_by"),
    };
  }

  /** Inline content, or the chunks of the version the item points at. */
  private async content(flowId: string, item: Item): Promise<string> {
    const inline = strOrNull(item, "content");
    if (inline !== null) return inline;
    const version = num(item, "content_version");
    const expected = num(item, "content_chunks");
    const expr = new Expr();
    const chunks = await queryAll(this.client, {
      KeyConditionExpression: `${expr.n("PK")} = ${expr.v(S(flowPartition(flowId)))} AND begins_with(${expr.n("SK")}, ${expr.v(S(chunkPrefix(version)))})`,
      expr,
    });
    if (chunks.length !== expected)
      throw new Error(`Flow ${flowId} version ${version}: ${chunks.length} of ${expected} content chunks found`);
    return chunks.map((chunk) => str(chunk, "data")).join("");
  }
}

/** The head attributes a save rewrites; nulls are removed. */
function headFields(flow: FlowRecord): Record<string, AttributeValue | null> {
  return {
    name: S(flow.name),
    name_lower: S(flow.name.toLowerCase()),
    description: flow.description === null ? null : S(flow.description),
    version: N(flow.version),
    tags: L(flow.tags),
    category: flow.category === null ? null : S(flow.category),
    status: S(flow.status),
    updated_at: S(flow.updated_at),
  };
}

/** The ids of a version's declared triggers, as the head lists them (null: none, the attribute is removed). */
function idSet(declared: readonly TriggerRecord[]): AttributeValue | null {
  return declared.length > 0 ? SS(declared.map((t) => t.id)) : null;
}

function versionItem(version: FlowVersionRecord, content: Record<string, AttributeValue>): Item {
  const item: Item = {
    ...keys.flowVersion(version.flow_id, version.version),
    flow_id: S(version.flow_id),
    account_id: S(version.account_id),
    version: N(version.version),
    name: S(version.name),
    created_at: S(version.created_at),
    created_by: S(version.created_by),
    ...content,
  };
  optional(item, "description", version.description);
  return item;
}

/**
 * How a version's content is stored: inline when small; otherwise in chunk
 * items under the version, which the version and (while current) the head
 * point at with `content_version` and `content_chunks`.
 */
function storedContent(content: string, version: FlowVersionRecord): { attributes: Record<string, AttributeValue>; chunks: Item[] } {
  const bytes = new TextEncoder().encode(content).length;
  if (bytes <= INLINE_CONTENT_BYTES) return { attributes: { content: S(content) }, chunks: [] };
  if (bytes > MAX_CONTENT_BYTES) {
    throw new Error(`Flow content is ${bytes} bytes; the DynamoDB provider stores at most ${MAX_CONTENT_BYTES} bytes per flow`);
  }
  const parts = splitUtf8(content, CHUNK_BYTES);
  return {
    attributes: { content_version: N(version.version), content_chunks: N(parts.length) },
    chunks: parts.map((data, n) => ({ ...keys.flowChunk(version.flow_id, version.version, n), data: S(data) })),
  };
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    const units = code >= 0x10000 ? 2 : 1;
    if (bytes + width > maxBytes) {
      parts.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += width;
    i += units;
  }
  parts.push(text.slice(start));
  return parts;
}
