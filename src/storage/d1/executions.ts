import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { toPage } from "../cursor";
import type { AuditEventRecord, ExecutionFilter, ExecutionIndex, ExecutionSummary, Page, PageRequest } from "../types";
import { appendAuditEvent } from "./audit";
import type { D1Db } from "./index";
import { olderThan } from "../sql-paging";
import { auditLog, executions } from "./schema";
import type { AccountMetrics, MetricsWindow, ServiceMetrics } from "../metrics-types";
import { d1AccountMetrics, d1ServiceMetrics } from "./execution-metrics";

export class D1ExecutionIndex implements ExecutionIndex {
  constructor(private readonly db: D1Db) {}

  async upsert(summary: ExecutionSummary, audit?: AuditEventRecord): Promise<void> {
    const { id: _id, account_id: _account, created_at: _created, ...changing } = summary;
    const write = this.db
      .insert(executions)
      .values(summary)
      .onConflictDoUpdate({
        target: executions.id,
        set: changing,
        // Summaries may arrive out of order; the newer one wins.
        setWhere: sql`${executions.updated_at} <= ${summary.updated_at}`,
      });
    if (audit) await this.db.batch([write, appendAuditEvent(this.db, audit)]);
    else await write.run();
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const [, deleted] = await this.db.batch([
      this.db
        .delete(auditLog)
        .where(and(eq(auditLog.target_id, id), eq(auditLog.target_type, "execution"), eq(auditLog.account_id, accountId))),
      this.db.delete(executions).where(and(eq(executions.account_id, accountId), eq(executions.id, id))),
    ]);
    return deleted.meta.changes > 0;
  }

  async get(accountId: string, id: string): Promise<ExecutionSummary | null> {
    return (
      (await this.db
        .select()
        .from(executions)
        .where(and(eq(executions.account_id, accountId), eq(executions.id, id)))
        .get()) ?? null
    );
  }

  async list(accountId: string, filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionSummary>> {
    const conditions: (SQL | undefined)[] = [eq(executions.account_id, accountId)];
    if (filter.flow_id) conditions.push(eq(executions.flow_id, filter.flow_id));
    if (filter.status) conditions.push(eq(executions.status, filter.status));
    // substr, not LIKE: LIKE ignores ASCII case in SQLite.
    if (filter.trigger_type) {
      const prefix = `${filter.trigger_type}:`;
      conditions.push(
        or(eq(executions.trigger, filter.trigger_type), sql`substr(${executions.trigger}, 1, length(${prefix})) = ${prefix}`),
      );
    }
    if (filter.trigger_id) {
      const suffix = `:${filter.trigger_id}`;
      conditions.push(sql`substr(${executions.trigger}, -length(${suffix})) = ${suffix}`);
    }
    if (filter.since) conditions.push(gte(executions.created_at, filter.since));
    if (filter.until) conditions.push(lt(executions.created_at, filter.until));
    conditions.push(olderThan(executions.created_at, executions.id, page.cursor));
    const rows = await this.db
      .select()
      .from(executions)
      .where(and(...conditions))
      .orderBy(desc(executions.created_at), desc(executions.id))
      .limit(page.limit + 1)
      .all();
    return toPage(rows, page.limit);
  }

  metrics(accountId: string, window: MetricsWindow): Promise<AccountMetrics> {
    return d1AccountMetrics(this.db, accountId, window);
  }

  serviceMetrics(recentSince: string): Promise<ServiceMetrics> {
    return d1ServiceMetrics(this.db, recentSince);
  }
}
