import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor, toPage } from "../cursor";
import {
  StorageError,
  type FlowFilter,
  type FlowMetadataPatch,
  type FlowRecord,
  type FlowStore,
  type FlowVersionRecord,
  type Page,
  type PageRequest,
} from "../types";
import type { D1Db } from "./index";
import { mapUniqueViolation } from "./errors";
import { olderThan } from "../sql-paging";
import { flows, flowVersions } from "./schema";

export class D1FlowStore implements FlowStore {
  constructor(private readonly db: D1Db) {}

  async create(flow: FlowRecord, version: FlowVersionRecord): Promise<void> {
    await mapUniqueViolation(
      this.db.batch([this.db.insert(flows).values(flow), this.db.insert(flowVersions).values(version)]),
      `Flow ${flow.id} already exists`,
    );
  }

  async get(accountId: string, id: string): Promise<FlowRecord | null> {
    return (
      (await this.db
        .select()
        .from(flows)
        .where(and(eq(flows.account_id, accountId), eq(flows.id, id)))
        .get()) ?? null
    );
  }

  async list(accountId: string, filter: FlowFilter, page: PageRequest): Promise<Page<FlowRecord>> {
    const conditions: (SQL | undefined)[] = [eq(flows.account_id, accountId)];
    if (filter.name_contains) {
      conditions.push(sql`${flows.name} like ${`%${escapeLike(filter.name_contains)}%`} escape '\\'`);
    }
    if (filter.status) conditions.push(eq(flows.status, filter.status));
    if (filter.category) conditions.push(eq(flows.category, filter.category));
    if (filter.tag) conditions.push(sql`exists (select 1 from json_each(${flows.tags}) where value = ${filter.tag})`);
    conditions.push(olderThan(flows.created_at, flows.id, page.cursor));
    const rows = await this.db
      .select()
      .from(flows)
      .where(and(...conditions))
      .orderBy(desc(flows.created_at), desc(flows.id))
      .limit(page.limit + 1)
      .all();
    return toPage(rows, page.limit);
  }

  async update(flow: FlowRecord, version: FlowVersionRecord, expectedVersion: number): Promise<void> {
    // The version row is inserted only while the flow still has the expected
    // version, and both statements run in one transaction, so two concurrent
    // editors cannot both win.
    const [inserted] = await this.db.batch([
      this.db
        .insert(flowVersions)
        .select(
          this.db
            .select({
              flow_id: sql`${version.flow_id}`.as("flow_id"),
              account_id: sql`${version.account_id}`.as("account_id"),
              version: sql`${version.version}`.as("version"),
              content: sql`${version.content}`.as("content"),
              name: sql`${version.name}`.as("name"),
              description: sql`${version.description}`.as("description"),
              created_at: sql`${version.created_at}`.as("created_at"),
              created_by: sql`${version.created_by}`.as("created_by"),
            })
            .from(flows)
            .where(and(eq(flows.id, flow.id), eq(flows.account_id, flow.account_id), eq(flows.version, expectedVersion))),
        )
        .onConflictDoNothing(),
      this.db
        .update(flows)
        .set({
          name: flow.name,
          description: flow.description,
          version: flow.version,
          content: flow.content,
          tags: flow.tags,
          category: flow.category,
          status: flow.status,
          updated_at: flow.updated_at,
        })
        .where(and(eq(flows.id, flow.id), eq(flows.account_id, flow.account_id), eq(flows.version, expectedVersion))),
    ]);
    if (inserted.meta.changes === 0) {
      throw new StorageError("precondition", `Flow ${flow.id} is no longer at version ${expectedVersion}`);
    }
  }

  async updateMetadata(accountId: string, id: string, patch: FlowMetadataPatch, at: string): Promise<FlowRecord | null> {
    const rows = await this.db
      .update(flows)
      .set({ ...patch, updated_at: at })
      .where(and(eq(flows.account_id, accountId), eq(flows.id, id)))
      .returning();
    return rows[0] ?? null;
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const [, removed] = await this.db.batch([
      this.db.delete(flowVersions).where(and(eq(flowVersions.account_id, accountId), eq(flowVersions.flow_id, id))),
      this.db.delete(flows).where(and(eq(flows.account_id, accountId), eq(flows.id, id))),
    ]);
    return removed.meta.changes > 0;
  }

  async listVersions(accountId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersionRecord>> {
    const before = page.cursor ? Number(decodeCursor(page.cursor, ["version"] as const).version) : null;
    const rows = await this.db
      .select()
      .from(flowVersions)
      .where(
        and(
          eq(flowVersions.account_id, accountId),
          eq(flowVersions.flow_id, flowId),
          before === null ? undefined : lt(flowVersions.version, before),
        ),
      )
      .orderBy(desc(flowVersions.version))
      .limit(page.limit + 1)
      .all();
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > page.limit && last ? encodeCursor({ version: last.version }) : null };
  }

  async getVersion(accountId: string, flowId: string, version: number): Promise<FlowVersionRecord | null> {
    return (
      (await this.db
        .select()
        .from(flowVersions)
        .where(and(eq(flowVersions.account_id, accountId), eq(flowVersions.flow_id, flowId), eq(flowVersions.version, version)))
        .get()) ?? null
    );
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
