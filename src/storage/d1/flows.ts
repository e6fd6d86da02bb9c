import { and, desc, eq, notInArray, sql, type SQL } from "drizzle-orm";
import { toPage } from "../cursor";
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
import type { D1Db } from "./index";
import { failedConstraint, mapUniqueViolation } from "./errors";
import { belowVersion, olderThan, toVersionPage } from "../sql-paging";
import { requireFlowTriggers } from "../trigger-rules";
import { flows, flowVersions, triggers } from "./schema";

export class D1FlowStore implements FlowStore {
  constructor(private readonly db: D1Db) {}

  async create(flow: FlowRecord, version: FlowVersionRecord, declared: readonly TriggerRecord[]): Promise<void> {
    requireFlowTriggers(flow, declared);
    await mapUniqueViolation(
      this.db.batch([
        this.db.insert(flows).values(flow),
        this.db.insert(flowVersions).values(version),
        ...declared.map((trigger) => this.db.insert(triggers).values(trigger)),
      ]),
      `Flow ${flow.id} or one of its triggers already exists`,
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

  async update(flow: FlowRecord, version: FlowVersionRecord, expectedVersion: number, declared: readonly TriggerRecord[]): Promise<void> {
    requireFlowTriggers(flow, declared);
    const current = and(eq(flows.id, flow.id), eq(flows.account_id, flow.account_id), eq(flows.version, expectedVersion));
    const mine = and(eq(triggers.account_id, flow.account_id), eq(triggers.flow_id, flow.id), eq(triggers.source, "flow"));
    const kept = declared.map((t) => t.id);
    // A batch is one transaction that any failing statement rolls back. The version row takes its
    // flow_id from the flow row at the expected version, so when there is none (a concurrent editor
    // won, or another account's flow) it is NULL, NOT NULL refuses it and nothing is written.
    try {
      await this.db.batch([
        this.db.insert(flowVersions).values({ ...version, flow_id: sql`(select ${flows.id} from ${flows} where ${current})` }),
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
          .where(current),
        this.db.delete(triggers).where(and(mine, kept.length > 0 ? notInArray(triggers.id, kept) : undefined)),
        ...declared.map((trigger) =>
          this.db
            .insert(triggers)
            .values(trigger)
            .onConflictDoUpdate({
              target: triggers.id,
              // A kept trigger keeps paused and created_at. An id that is not one of this flow's
              // declared triggers gets a NULL flow_id, which NOT NULL refuses: the batch rolls back.
              set: {
                key: trigger.key,
                kind: trigger.kind,
                config: trigger.config,
                flow_version: trigger.flow_version,
                updated_at: trigger.updated_at,
                flow_id: sql`case when ${mine} then ${triggers.flow_id} end`,
              },
            }),
        ),
      ]);
    } catch (error) {
      const refused = failedConstraint(error);
      if (refused?.includes("flow_versions.")) {
        throw new StorageError("precondition", `Flow ${flow.id} is no longer at version ${expectedVersion}`);
      }
      if (refused?.includes("triggers.")) throw new StorageError("conflict", `A trigger of flow ${flow.id} belongs to something else`);
      throw error;
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
    const [, , removed] = await this.db.batch([
      this.db.delete(flowVersions).where(and(eq(flowVersions.account_id, accountId), eq(flowVersions.flow_id, id))),
      this.db.delete(triggers).where(and(eq(triggers.account_id, accountId), eq(triggers.flow_id, id))),
      this.db.delete(flows).where(and(eq(flows.account_id, accountId), eq(flows.id, id))),
    ]);
    return removed.meta.changes > 0;
  }

  async listVersions(accountId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersionRecord>> {
    const rows = await this.db
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.account_id, accountId), eq(flowVersions.flow_id, flowId), belowVersion(flowVersions.version, page.cursor)))
      .orderBy(desc(flowVersions.version))
      .limit(page.limit + 1)
      .all();
    return toVersionPage(rows, page.limit);
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
