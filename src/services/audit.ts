import { newId } from "../lib/ids";
import type { AuditDetails, AuditEventRecord, AuditFilter, Page, Storage } from "../storage/types";
import type { AuditEventView } from "./audit-schemas";
import type { AuditAction } from "./audit-actions";
import type { Principal } from "./auth";
import { asError, log } from "../lib/log";

export { AUDIT_ACTIONS, type AuditAction } from "./audit-actions";

export type { AuditDetails };

export interface AuditEntry {
  /** The account the event belongs to; null only for a failed login with an unknown username. */
  account_id: string | null;
  /** Username that acted (for a failed login: the username tried). */
  actor: string | null;
  action: AuditAction;
  target_type?: string | null | undefined;
  target_id?: string | null | undefined;
  /** Client address (`clientIp()`); a Principal carries it as `ip`. */
  ip?: string | null | undefined;
  /** Names, ids, versions: never secret values, passwords or tokens (such keys are dropped). */
  details?: AuditDetails | undefined;
  /** When it happened; defaults to now. */
  time?: string | undefined;
}

export interface AuditTarget {
  type: string;
  id: string;
}

// Belt and braces: callers must not pass these, and if one does, it never reaches storage.
const SENSITIVE_KEY = /^(password|passwd|secret|secret_value|token|value|plaintext|ciphertext|authorization|api_key|jwt)$/i;
const SENSITIVE_VALUE = /\bfrt_[0-9a-z]{20,}|\beyJ[\w-]+\.[\w-]+\.[\w-]+|\bwhsec_[A-Za-z0-9+/]{8,}/;

export function sanitizeDetails(details: AuditDetails | undefined): AuditDetails {
  const out: AuditDetails = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    if (SENSITIVE_KEY.test(key)) continue;
    if (typeof value === "string" && SENSITIVE_VALUE.test(value)) out[key] = "[redacted]";
    else if (Array.isArray(value)) out[key] = value.map((v) => (SENSITIVE_VALUE.test(v) ? "[redacted]" : v));
    else out[key] = value;
  }
  return out;
}

/**
 * The security audit trail. `record` writes in the background (the request's
 * waitUntil), so auditing never slows a response or fails a request; `write`
 * waits for the row when a caller needs it stored before it answers.
 */
export class AuditService {
  constructor(
    private readonly storage: Storage,
    private readonly defer: (work: Promise<unknown>) => void,
  ) {}

  /** Records an event in the background; never throws. */
  record(entry: AuditEntry): void {
    this.defer(
      this.write(entry).catch((error: unknown) => log.error("audit write failed", { action: entry.action, error: asError(error) })),
    );
  }

  /** Records an event done by an authenticated caller: account, username, address, and how they authenticated. */
  recordFor(principal: Principal, action: AuditAction, target: AuditTarget | null, details: AuditDetails = {}): void {
    this.record(this.entryFor(principal, action, target, details));
  }

  /** Stores an event and waits for it; throws when the write fails. */
  async write(entry: AuditEntry): Promise<AuditEventRecord> {
    const event = this.event(entry);
    await this.storage.audit.append(event);
    return event;
  }

  /** The stored form of an entry, for a caller that writes it together with its own write. */
  event(entry: AuditEntry): AuditEventRecord {
    return {
      id: newId("aud"),
      account_id: entry.account_id,
      time: entry.time ?? new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target_type: entry.target_type ?? null,
      target_id: entry.target_id ?? null,
      ip: entry.ip ?? null,
      details: sanitizeDetails(entry.details),
    };
  }

  entryFor(principal: Principal, action: AuditAction, target: AuditTarget | null, details: AuditDetails = {}): AuditEntry {
    return {
      account_id: principal.account_id,
      actor: principal.username,
      action,
      target_type: target?.type ?? null,
      target_id: target?.id ?? null,
      ip: principal.ip ?? null,
      details: { ...details, via: principal.via, ...(principal.token_id ? { token_id: principal.token_id } : {}) },
    };
  }

  async list(accountId: string, filter: AuditFilter, limit: number, cursor?: string): Promise<Page<AuditEventView>> {
    const page = await this.storage.audit.list(accountId, filter, { limit, cursor });
    return { items: page.items.map(({ account_id: _account, ...view }) => view), next_cursor: page.next_cursor };
  }
}
