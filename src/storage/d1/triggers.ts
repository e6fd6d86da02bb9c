import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { toPageByKey } from "../cursor";
import { afterKey } from "../sql-paging";
import { requireNodeTrigger } from "../trigger-rules";
import {
  StorageError,
  type Page,
  type PageRequest,
  type TriggerFilter,
  type TriggerKind,
  type TriggerRecord,
  type TriggerStore,
} from "../types";
import { failedConstraint } from "./errors";
import type { D1Db } from "./index";
import { flows, triggers } from "./schema";

/** Flow-declared triggers are written by D1FlowStore with each version; this store reads them and owns node schedules. */
export class D1TriggerStore implements TriggerStore {
  constructor(private readonly db: D1Db) {}

  async get(id: string): Promise<TriggerRecord | null> {
    return (await this.db.select().from(triggers).where(eq(triggers.id, id)).get()) ?? null;
  }

  async list(accountId: string, filter: TriggerFilter, page: PageRequest): Promise<Page<TriggerRecord>> {
    const conditions: (SQL | undefined)[] = [eq(triggers.account_id, accountId)];
    if (filter.kind) conditions.push(eq(triggers.kind, filter.kind));
    if (filter.flow_id) conditions.push(eq(triggers.flow_id, filter.flow_id));
    if (filter.source) conditions.push(eq(triggers.source, filter.source));
    if (filter.key !== undefined) conditions.push(eq(triggers.key, filter.key));
    return this.page(and(...conditions), page);
  }

  async listAll(kind: TriggerKind, page: PageRequest): Promise<Page<TriggerRecord>> {
    return this.page(eq(triggers.kind, kind), page);
  }

  async putNodeTrigger(trigger: TriggerRecord): Promise<void> {
    requireNodeTrigger(trigger);
    // flow_id is read from the account's flow row: without one it is NULL and NOT NULL refuses the row.
    const owner = sql`(select ${flows.id} from ${flows} where ${and(eq(flows.id, trigger.flow_id), eq(flows.account_id, trigger.account_id))})`;
    let written: { id: string }[];
    try {
      written = await this.db
        .insert(triggers)
        .values({ ...trigger, flow_id: owner })
        .onConflictDoUpdate({
          target: triggers.id,
          // A replaced schedule keeps paused and created_at, as a flow's own triggers do across versions.
          set: {
            key: trigger.key,
            kind: trigger.kind,
            config: trigger.config,
            flow_version: trigger.flow_version,
            updated_at: trigger.updated_at,
          },
          setWhere: and(eq(triggers.source, "node"), eq(triggers.account_id, trigger.account_id), eq(triggers.flow_id, trigger.flow_id)),
        })
        .returning({ id: triggers.id });
    } catch (error) {
      if (failedConstraint(error)?.includes("triggers.flow_id")) {
        throw new StorageError("conflict", `Flow ${trigger.flow_id} does not exist`);
      }
      throw error;
    }
    if (written.length === 0) throw new StorageError("conflict", `Trigger ${trigger.id} belongs to something else`);
  }

  async deleteNodeTrigger(accountId: string, id: string): Promise<boolean> {
    const result = await this.db
      .delete(triggers)
      .where(and(eq(triggers.account_id, accountId), eq(triggers.id, id), eq(triggers.source, "node")))
      .run();
    return result.meta.changes > 0;
  }

  async setPaused(accountId: string, id: string, paused: boolean, at: string): Promise<TriggerRecord | null> {
    const [row] = await this.db
      .update(triggers)
      .set({ paused, updated_at: at })
      .where(and(eq(triggers.account_id, accountId), eq(triggers.id, id)))
      .returning();
    return row ?? null;
  }

  private async page(where: SQL | undefined, page: PageRequest): Promise<Page<TriggerRecord>> {
    const rows = await this.db
      .select()
      .from(triggers)
      .where(and(where, afterKey(triggers.id, page.cursor)))
      .orderBy(asc(triggers.id))
      .limit(page.limit + 1)
      .all();
    return toPageByKey(rows, page.limit, "id");
  }
}
