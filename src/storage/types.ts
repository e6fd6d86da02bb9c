/**
 * The storage interface every provider (D1, Postgres, DynamoDB) implements.
 * It speaks in records and opaque cursors only: no SQL, no key schemas and no
 * provider errors leak past it. Every tenant-owned read and write takes the
 * account id, so scoping cannot be forgotten by a caller.
 */
import type { ExecutionStatus } from "../engine/types";

export interface AccountRecord {
  id: string;
  username: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

/** What authenticating an API token needs: the token and who owns it. */
export interface OwnedApiToken {
  token: ApiTokenRecord;
  username: string;
}

export interface ApiTokenRecord {
  id: string;
  account_id: string;
  name: string;
  /** The first characters of the token, shown so users can tell tokens apart. */
  prefix: string;
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface FlowRecord {
  id: string;
  account_id: string;
  name: string;
  description: string | null;
  /** Monotonic revision number, 1 for the first save; also the ETag. */
  version: number;
  content: string;
  tags: string[];
  category: string | null;
  status: string;
  custom: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface FlowVersionRecord {
  flow_id: string;
  account_id: string;
  version: number;
  content: string;
  name: string;
  description: string | null;
  created_at: string;
  created_by: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface FlowFilter {
  name_contains?: string | undefined;
  tag?: string | undefined;
  status?: string | undefined;
  category?: string | undefined;
}

export type FlowMetadataPatch = Partial<Pick<FlowRecord, "tags" | "category" | "status" | "custom">>;

export interface AccountStore {
  /** Fails with StorageError("conflict") when the username is taken. */
  create(account: AccountRecord): Promise<void>;
  get(id: string): Promise<AccountRecord | null>;
  getByUsername(username: string): Promise<AccountRecord | null>;
}

export interface TokenStore {
  create(token: ApiTokenRecord): Promise<void>;
  /** The token with its account's username, in one read where the database can join; null when either is gone. */
  getByHash(tokenHash: string): Promise<OwnedApiToken | null>;
  list(accountId: string, page: PageRequest): Promise<Page<ApiTokenRecord>>;
  /** Returns false when no live token with that id belongs to the account. */
  revoke(accountId: string, id: string, at: string): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
}

export interface FlowStore {
  /** Stores the flow and its first version together. */
  create(flow: FlowRecord, version: FlowVersionRecord): Promise<void>;
  get(accountId: string, id: string): Promise<FlowRecord | null>;
  list(accountId: string, filter: FlowFilter, page: PageRequest): Promise<Page<FlowRecord>>;
  /**
   * Saves a new version only if the stored one is still `expectedVersion`;
   * otherwise fails with StorageError("precondition").
   */
  update(flow: FlowRecord, version: FlowVersionRecord, expectedVersion: number): Promise<void>;
  updateMetadata(accountId: string, id: string, patch: FlowMetadataPatch, at: string): Promise<FlowRecord | null>;
  delete(accountId: string, id: string): Promise<boolean>;
  listVersions(accountId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersionRecord>>;
  getVersion(accountId: string, flowId: string, version: number): Promise<FlowVersionRecord | null>;
}

export interface ExecutionSummary {
  id: string;
  account_id: string;
  flow_id: string;
  flow_version: number;
  status: ExecutionStatus;
  trigger: string;
  parent_id: string | null;
  current_nodes: string[];
  error: { code: string; message: string; node_id: string } | null;
  /** JSON text of the output, shortened for lists. */
  output_preview: string | null;
  step_count: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface ExecutionFilter {
  flow_id?: string | undefined;
  status?: ExecutionStatus | undefined;
}

/** The account database's index of executions; the execution objects hold the details. */
export interface ExecutionIndex {
  /**
   * Inserts or replaces the summary; an older write never overwrites a newer one. With `audit`, the
   * event is appended by the same write (one round trip where the database can batch), so a run in
   * the index is a run in the audit trail. The event is appended even when a newer summary wins.
   */
  upsert(summary: ExecutionSummary, audit?: AuditEventRecord): Promise<void>;
  get(accountId: string, id: string): Promise<ExecutionSummary | null>;
  list(accountId: string, filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionSummary>>;
}

/** Flat, small facts about an audited action. Never secret values, passwords or tokens. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

export interface AuditEventRecord {
  id: string;
  /** Null for a failed login whose username matches no account. */
  account_id: string | null;
  /** ISO time of the action (not of the write); with `id`, the sort key. */
  time: string;
  /** The username that acted, or that a failed login tried. */
  actor: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: AuditDetails;
}

export interface AuditFilter {
  action?: string | undefined;
  /** Inclusive lower bound on `time` (ISO). */
  since?: string | undefined;
  /** Exclusive upper bound on `time` (ISO). */
  until?: string | undefined;
}

/** Append-only security trail, read back per account, newest first. */
export interface AuditLog {
  append(event: AuditEventRecord): Promise<void>;
  list(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEventRecord>>;
}

export interface WrappedKeyRecord {
  account_id: string;
  /** Id of the master key that wrapped this data key. */
  kid: string;
  wrapped: string;
  created_at: string;
  updated_at: string;
}

export interface SecretRecord {
  account_id: string;
  key: string;
  type: string;
  description: string | null;
  tags: string[];
  /** The value sealed with the account's data key; never plaintext. */
  ciphertext: string;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface SecretFilter {
  type?: string | undefined;
  tag?: string | undefined;
}

export interface SecretStore {
  getDataKey(accountId: string): Promise<WrappedKeyRecord | null>;
  /** Stores the account's first data key; when another request stored one first, returns that one. */
  putDataKeyIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord>;
  /** Replaces a wrapped data key only while it is still wrapped by `expectedKid`. */
  rewrapDataKey(record: WrappedKeyRecord, expectedKid: string): Promise<boolean>;
  /** Data keys not wrapped by `kid`, by account id after `after`, for rotation. */
  dataKeysNotWrappedBy(kid: string, limit: number, after?: string): Promise<WrappedKeyRecord[]>;
  /** Creates or replaces; says which happened. */
  put(secret: SecretRecord): Promise<"created" | "updated">;
  get(accountId: string, key: string): Promise<SecretRecord | null>;
  getMany(accountId: string, keys: readonly string[] | "all"): Promise<SecretRecord[]>;
  /** Sorted by key. */
  list(accountId: string, filter: SecretFilter, page: PageRequest): Promise<Page<SecretRecord>>;
  delete(accountId: string, key: string): Promise<boolean>;
  touch(accountId: string, keys: readonly string[], at: string): Promise<void>;
}

export interface Storage {
  accounts: AccountStore;
  tokens: TokenStore;
  flows: FlowStore;
  executions: ExecutionIndex;
  secrets: SecretStore;
  audit: AuditLog;
}

export type StorageErrorKind = "conflict" | "precondition" | "invalid_cursor";

/** The one failure vocabulary of every provider; services map it to HTTP. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
  ) {
    super(message);
  }
}
