import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { toPage } from "../cursor";
import { olderThan } from "../sql-paging";
import type { AuditEventRecord, ExecutionFilter, ExecutionIndex, ExecutionSummary, Page, PageRequest } from "../types";
import { PostgresAuditLog } from "./audit";
import type { PgDb } from "./index";
import { auditLog, executions } from "./schema";
import type { AccountMetrics, MetricsWindow, ServiceMetrics } from "../metrics-types";
import { postgresAccountMetrics, postgresServiceMetrics } from "./execution-metrics";

export class PostgresExecutionIndex implements ExecutionIndex {
  constructor(private readonly db: PgDb) {}

  async upsert(summary: ExecutionSummary, audit?: AuditEventRecord): Promise<void> {
    await Promise.all([this.write(summary), audit && new PostgresAuditLog(this.db).append(audit)]);
  }

  private async write(summary: ExecutionSummary): Promise<void> {
    const { id: _id, account_id: _account, created_at: _created, ...changing } = summary;
    await this.db
      .insert(executions)
      .values(summary)
      .onConflictDoUpdate({
        target: executions.id,
        set: changing,
        // Summaries may arrive out of order; the newer one wins (ties: the later write).
        setWhere: sql`${executions.updated_at} <= ${summary.updated_at}`,
      });
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    // One statement, so the row and its audit rows go together.
    const audit = this.db.$with("audit").as(
      this.db
        .delete(auditLog)
        .where(and(eq(auditLog.target_id, id), eq(auditLog.target_type, "execution"), eq(auditLog.account_id, accountId)))
        .returning({ id: auditLog.id }),
    );
    const deleted = await this.db
      .with(audit)
      .delete(executions)
      .where(and(eq(executions.account_id, accountId), eq(executions.id, id)))
      .returning({ id: executions.id });
    return deleted.length > 0;
  }

  async get(accountId: string, id: string): Promise<ExecutionSummary | null> {
    const [row] = await this.db
      .select()
      .from(executions)
      .where(and(eq(executions.account_id, accountId), eq(executions.id, id)));
    return row ?? null;
  }

  async list(accountId: string, filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionSummary>> {
    const conditions: (SQL | undefined)[] = [eq(executions.account_id, accountId)];
    if (filter.flow_id) conditions.push(eq(executions.flow_id, filter.flow_id));
    if (filter.status) conditions.push(eq(executions.status, filter.status));
    if (filter.trigger_type) {
      const prefix = `${filter.trigger_type}:`;
      conditions.push(or(eq(executions.trigger, filter.trigger_type), sql`starts_with(${executions.trigger}, ${prefix}::text)`));
    }
    if (filter.trigger_id) {
      const suffix = `:${filter.trigger_id}`;
      conditions.push(sql`right(${executions.trigger}, length(${suffix}::text)) = ${suffix}::text`);
    }
    if (filter.since) conditions.push(gte(executions.created_at, filter.since));
    if (filter.until) conditions.push(lt(executions.created_at, filter.until));
    conditions.push(olderThan(executions.created_at, executions.id, page.cursor));
    const rows = await this.db
      .select()
      .from(executions)
      .where(and(...conditions))
      .orderBy(desc(executions.created_at), desc(executions.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  metrics(accountId: string, window: MetricsWindow): Promise<AccountMetrics> {
    return postgresAccountMetrics(this.db, accountId, window);
  }

  serviceMetrics(recentSince: string): Promise<ServiceMetrics> {
    return postgresServiceMetrics(this.db, recentSince);
  }
}
