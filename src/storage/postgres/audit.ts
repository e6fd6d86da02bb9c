import { and, desc, eq, gte, inArray, isNotNull, isNull, lt, type SQL } from "drizzle-orm";
import { encodeCursor } from "../cursor";
import { olderThan } from "../sql-paging";
import type { AuditPruneScope } from "../retention";
import type { AuditEventRecord, AuditFilter, AuditLog, Page, PageRequest } from "../types";
import type { PgDb } from "./index";
import { auditLog } from "./schema";

export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: PgDb) {}

  async append(event: AuditEventRecord): Promise<void> {
    await this.db.insert(auditLog).values(event);
  }

  async list(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEventRecord>> {
    const conditions: (SQL | undefined)[] = [eq(auditLog.account_id, accountId)];
    if (filter.action) conditions.push(eq(auditLog.action, filter.action));
    if (filter.since) conditions.push(gte(auditLog.time, filter.since));
    if (filter.until) conditions.push(lt(auditLog.time, filter.until));
    conditions.push(olderThan(auditLog.time, auditLog.id, page.cursor, "time"));
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.time), desc(auditLog.id))
      .limit(page.limit + 1);
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > page.limit && last ? encodeCursor({ time: last.time, id: last.id }) : null };
  }

  async prune(scope: AuditPruneScope, before: string, limit: number): Promise<number> {
    const owner = scope === "anonymous" ? isNull(auditLog.account_id) : isNotNull(auditLog.account_id);
    const oldest = this.db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(owner, lt(auditLog.time, before)))
      .orderBy(auditLog.time)
      .limit(limit);
    const deleted = await this.db.delete(auditLog).where(inArray(auditLog.id, oldest)).returning({ id: auditLog.id });
    return deleted.length;
  }
}
