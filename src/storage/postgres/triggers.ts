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
import { FOREIGN_KEY_VIOLATION, sqlState } from "./connection";
import type { PgDb } from "./index";
import { recordset } from "./recordset";
import { flows, triggers } from "./schema";

/** Flow-declared triggers are written by PostgresFlowStore with each version; this store reads them and owns node schedules. */
export class PostgresTriggerStore implements TriggerStore {
  constructor(private readonly db: PgDb) {}

  async get(id: string): Promise<TriggerRecord | null> {
    const [row] = await this.db.select().from(triggers).where(eq(triggers.id, id));
    return row ?? null;
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
    const row = recordset(triggers, [trigger], "d");
    // Inserted only beside the account's flow row (whose deletion, racing, fails the foreign key);
    // a replaced schedule keeps paused and created_at, as a flow's own triggers do across versions.
    let result: { rows: unknown[] };
    try {
      result = await this.db.execute(sql`
        insert into ${triggers} (${row.columns})
        select d.* from ${row.from}
        join ${flows} on ${flows.id} = d.flow_id and ${flows.account_id} = d.account_id
        on conflict (id) do update set
          key = excluded.key, kind = excluded.kind, config = excluded.config,
          flow_version = excluded.flow_version, updated_at = excluded.updated_at
        where ${triggers.source} = 'node' and ${triggers.account_id} = excluded.account_id and ${triggers.flow_id} = excluded.flow_id
        returning id`);
    } catch (error) {
      if (sqlState(error) === FOREIGN_KEY_VIOLATION) throw new StorageError("conflict", `Flow ${trigger.flow_id} does not exist`);
      throw error;
    }
    if (result.rows.length === 0) {
      throw new StorageError("conflict", `Trigger ${trigger.id} belongs to something else, or flow ${trigger.flow_id} does not exist`);
    }
  }

  async deleteNodeTrigger(accountId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(triggers)
      .where(and(eq(triggers.account_id, accountId), eq(triggers.id, id), eq(triggers.source, "node")))
      .returning({ id: triggers.id });
    return rows.length > 0;
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
      .limit(page.limit + 1);
    return toPageByKey(rows, page.limit, "id");
  }
}
