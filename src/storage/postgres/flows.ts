import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { toPage } from "../cursor";
import { belowVersion, olderThan, toVersionPage } from "../sql-paging";
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
import { NOT_NULL_VIOLATION, sqlState } from "./connection";
import { mapUniqueViolation } from "./errors";
import type { PgDb } from "./index";
import { recordset } from "./recordset";
import { flows, flowVersions, triggers } from "./schema";

export class PostgresFlowStore implements FlowStore {
  constructor(private readonly db: PgDb) {}

  async create(flow: FlowRecord, version: FlowVersionRecord, declared: readonly TriggerRecord[]): Promise<void> {
    requireFlowTriggers(flow, declared);
    // One statement: the flow row, its first version and its triggers commit together.
    const head = this.db.$with("head").as(this.db.insert(flows).values(flow).returning({ id: flows.id }));
    const statement =
      declared.length > 0
        ? this.db.with(
            head,
            this.db.$with("declared").as(
              this.db
                .insert(triggers)
                .values([...declared])
                .returning({ id: triggers.id }),
            ),
          )
        : this.db.with(head);
    await mapUniqueViolation(statement.insert(flowVersions).values(version), `Flow ${flow.id} or one of its triggers already exists`);
  }

  async get(accountId: string, id: string): Promise<FlowRecord | null> {
    const [row] = await this.db
      .select()
      .from(flows)
      .where(and(eq(flows.account_id, accountId), eq(flows.id, id)));
    return row ?? null;
  }

  async list(accountId: string, filter: FlowFilter, page: PageRequest): Promise<Page<FlowRecord>> {
    const conditions: (SQL | undefined)[] = [eq(flows.account_id, accountId)];
    // ILIKE: D1's LIKE is case-insensitive for ASCII too.
    if (filter.name_contains) conditions.push(sql`${flows.name} ilike ${`%${escapeLike(filter.name_contains)}%`}`);
    if (filter.status) conditions.push(eq(flows.status, filter.status));
    if (filter.category) conditions.push(eq(flows.category, filter.category));
    if (filter.tag) conditions.push(sql`${flows.tags} @> ${JSON.stringify([filter.tag])}::jsonb`);
    conditions.push(olderThan(flows.created_at, flows.id, page.cursor));
    const rows = await this.db
      .select()
      .from(flows)
      .where(and(...conditions))
      .orderBy(desc(flows.created_at), desc(flows.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  async update(flow: FlowRecord, version: FlowVersionRecord, expectedVersion: number, declared: readonly TriggerRecord[]): Promise<void> {
    requireFlowTriggers(flow, declared);
    const rows = recordset(triggers, declared, "d");
    // One statement: the flow row moves only while it is still at the expected
    // version (a concurrent editor blocks on the row lock, then finds the new
    // version and matches nothing), and everything else is written only from a
    // row that moved: the version row, the declared triggers (kept ones keep
    // paused and created_at), and the removal of those no longer declared.
    // An id that is not one of the flow's declared triggers gets a NULL
    // flow_id, which NOT NULL refuses, failing the whole statement.
    const precondition = `Flow ${flow.id} is no longer at version ${expectedVersion}`;
    let result: { rows: unknown[] };
    try {
      result = await mapUniqueViolation(
        this.db.execute(sql`
          with moved as (
            update ${flows}
            set name = ${flow.name}, description = ${flow.description}, version = ${flow.version}, content = ${flow.content},
                tags = ${JSON.stringify(flow.tags)}::jsonb, category = ${flow.category}, status = ${flow.status}, updated_at = ${flow.updated_at}
            where id = ${flow.id} and account_id = ${flow.account_id} and version = ${expectedVersion}
            returning id, account_id
          ),
          saved as (
            insert into ${flowVersions} (flow_id, account_id, version, content, name, description, created_at, created_by)
            select ${version.flow_id}, ${version.account_id}, ${version.version}::integer, ${version.content}, ${version.name},
                   ${version.description}, ${version.created_at}, ${version.created_by}
            from moved
            returning version
          ),
          removed as (
            delete from ${triggers} using moved
            where ${triggers.flow_id} = moved.id and ${triggers.account_id} = moved.account_id and ${triggers.source} = 'flow'
              and ${triggers.id} not in (select d.id from ${rows.from})
          ),
          written as (
            insert into ${triggers} (${rows.columns})
            select d.* from moved, ${rows.from}
            on conflict (id) do update set
              key = excluded.key, kind = excluded.kind, config = excluded.config,
              flow_version = excluded.flow_version, updated_at = excluded.updated_at,
              flow_id = case
                when ${triggers.flow_id} = excluded.flow_id and ${triggers.account_id} = excluded.account_id and ${triggers.source} = 'flow'
                then ${triggers.flow_id}
              end
          )
          select version from saved`),
        precondition,
        "precondition",
      );
    } catch (error) {
      if (sqlState(error) === NOT_NULL_VIOLATION)
        throw new StorageError("conflict", `A trigger of flow ${flow.id} belongs to something else`);
      throw error;
    }
    if (result.rows.length === 0) throw new StorageError("precondition", precondition);
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
    // Versions and triggers go with the flow (ON DELETE CASCADE), in the same statement.
    const rows = await this.db
      .delete(flows)
      .where(and(eq(flows.account_id, accountId), eq(flows.id, id)))
      .returning({ id: flows.id });
    return rows.length > 0;
  }

  async listVersions(accountId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersionRecord>> {
    const rows = await this.db
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.account_id, accountId), eq(flowVersions.flow_id, flowId), belowVersion(flowVersions.version, page.cursor)))
      .orderBy(desc(flowVersions.version))
      .limit(page.limit + 1);
    return toVersionPage(rows, page.limit);
  }

  async getVersion(accountId: string, flowId: string, version: number): Promise<FlowVersionRecord | null> {
    const [row] = await this.db
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.account_id, accountId), eq(flowVersions.flow_id, flowId), eq(flowVersions.version, version)));
    return row ?? null;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
