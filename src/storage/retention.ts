/**
 * The storage side of retention: deleting a finished run's index row with its audit rows, pruning
 * old audit rows, and an account's retention setting. Kept out of types.ts (the interfaces there
 * extend these), which every provider implements alongside.
 */

export interface ExecutionRemoval {
  /**
   * Deletes the run's summary row and the audit rows whose target is the run, in one atomic write
   * where the database allows (D1 batch, Postgres transaction, DynamoDB transaction). False when
   * the account had no such row; deleting twice is harmless.
   */
  delete(accountId: string, id: string): Promise<boolean>;
}

/** `anonymous`: failed logins for unknown usernames (no account); `accounts`: every other row. */
export type AuditPruneScope = "anonymous" | "accounts";

export interface AuditPruning {
  /** Deletes up to `limit` audit rows of the scope older than `before` (ISO); says how many went. */
  prune(scope: AuditPruneScope, before: string, limit: number): Promise<number>;
}

/** An account's settings that are not its identity. */
export interface AccountSettings {
  /** Days a finished run of this account is kept; 0 keeps runs forever; null follows the server's RETENTION_DAYS. */
  retention_days: number | null;
}

export interface AccountSettingsStore {
  /** Null when there is no such account. */
  getSettings(accountId: string): Promise<AccountSettings | null>;
  /** Applies the fields present in `patch`; null when there is no such account. */
  updateSettings(accountId: string, patch: Partial<AccountSettings>, at: string): Promise<AccountSettings | null>;
}
