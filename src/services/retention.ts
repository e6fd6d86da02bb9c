/**
 * How long things are kept (docs/operations.md#retention): the period a finished run is kept, and
 * the audit sweep the minute cron runs. Pure over the storage interface.
 */
import { parseDuration } from "../lib/duration";
import { RETENTION_FOREVER } from "../flow/schema";
import type { AuditLog } from "../storage/types";

const DAY_MS = 86_400_000;

/** Where a run's period came from: the flow's `retention:`, the account's setting, or RETENTION_DAYS. */
export type RetentionSource = "flow" | "account" | "server";

export interface RetentionPeriod {
  /** Milliseconds after the run finished; null keeps the run forever. */
  ms: number | null;
  source: RetentionSource;
}

/**
 * The period for a finished run, flow before account before server. `flow` is the definition's
 * `retention` (a duration or `forever`), `accountDays` the account's setting (null: not set; 0:
 * forever), `serverDays` RETENTION_DAYS (0: forever).
 */
export function retentionPeriod(flow: string | undefined, accountDays: number | null, serverDays: number): RetentionPeriod {
  if (flow !== undefined) {
    // The flow language only lets through `forever` or a positive duration.
    return { ms: flow === RETENTION_FOREVER ? null : (parseDuration(flow) ?? null), source: "flow" };
  }
  if (accountDays !== null) return { ms: accountDays === 0 ? null : accountDays * DAY_MS, source: "account" };
  return { ms: serverDays === 0 ? null : serverDays * DAY_MS, source: "server" };
}

/** Failed logins for usernames that match no account are kept this long (they are never listed). */
export const ANONYMOUS_AUDIT_DAYS = 7;
/** Rows deleted per scope per cron tick, so one tick stays short however much has piled up. */
export const AUDIT_SWEEP_BATCH = 500;

export interface AuditSweep {
  anonymous: number;
  accounts: number;
}

/**
 * One tick of the audit sweep: failed logins of unknown usernames older than ANONYMOUS_AUDIT_DAYS,
 * and account rows older than `auditRetentionDays` (0 keeps them), at most AUDIT_SWEEP_BATCH each.
 */
export async function sweepAudit(audit: AuditLog, auditRetentionDays: number, now: number, batch = AUDIT_SWEEP_BATCH): Promise<AuditSweep> {
  const before = (days: number) => new Date(now - days * DAY_MS).toISOString();
  const anonymous = await audit.prune("anonymous", before(ANONYMOUS_AUDIT_DAYS), batch);
  const accounts = auditRetentionDays > 0 ? await audit.prune("accounts", before(auditRetentionDays), batch) : 0;
  return { anonymous, accounts };
}
