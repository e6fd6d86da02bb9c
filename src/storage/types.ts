/**
 * The storage interface every provider (D1, Postgres, DynamoDB) implements. It speaks in records and opaque cursors only: no SQL,
 * no key schemas and no provider errors leak past it. Every tenant-owned read and write takes the account id: scoping cannot be forgotten.
 */
import type { ExecutionStatus } from "../engine/types";
import type { ExecutionMetricsSource, IndexedUsage } from "./metrics-types";
import type { PluginManifest } from "../plugins/contract";
import type { AccountSettingsStore, AuditPruning, ExecutionRemoval } from "./retention";
import type { TokenLookup } from "./token-lookup";

export interface AccountRecord {
  id: string;
  username: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
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
  /** The on/off switch of all the flow's triggers (API runs are not affected). True for a new flow. */
  enabled: boolean;
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

export type FlowMetadataPatch = Partial<Pick<FlowRecord, "tags" | "category" | "status" | "custom" | "enabled">>;
export interface AccountStore extends AccountSettingsStore {
  /** Fails with StorageError("conflict") when the username is taken. */
  create(account: AccountRecord): Promise<void>;
  get(id: string): Promise<AccountRecord | null>;
  getByUsername(username: string): Promise<AccountRecord | null>;
}

/** Reads for authentication (getByHash, getByHashWithFlow) are in token-lookup.ts. */
export interface TokenStore extends TokenLookup {
  create(token: ApiTokenRecord): Promise<void>;
  list(accountId: string, page: PageRequest): Promise<Page<ApiTokenRecord>>;
  /** Returns false when no live token with that id belongs to the account. */
  revoke(accountId: string, id: string, at: string): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
}

export interface FlowStore {
  /** Stores the flow, its first version and the triggers that version declares, in one atomic write. */
  create(flow: FlowRecord, version: FlowVersionRecord, triggers: readonly TriggerRecord[]): Promise<void>;
  get(accountId: string, id: string): Promise<FlowRecord | null>;
  list(accountId: string, filter: FlowFilter, page: PageRequest): Promise<Page<FlowRecord>>;
  /**
   * Saves a new version only if the stored one is still `expectedVersion`;
   * otherwise fails with StorageError("precondition"). In the same atomic write, the flow's
   * `source: "flow"` triggers become exactly `triggers`: new ids are inserted, kept ids get the new
   * kind, config, flow_version and updated_at (their `paused` and `created_at` stay), others are
   * removed. Triggers with `source: "node"` are left alone.
   */
  update(flow: FlowRecord, version: FlowVersionRecord, expectedVersion: number, triggers: readonly TriggerRecord[]): Promise<void>;
  updateMetadata(accountId: string, id: string, patch: FlowMetadataPatch, at: string): Promise<FlowRecord | null>;
  /** Deletes the flow, its versions and every trigger that starts it (both sources), atomically. */
  delete(accountId: string, id: string): Promise<boolean>;
  listVersions(accountId: string, flowId: string, page: PageRequest): Promise<Page<FlowVersionRecord>>;
  getVersion(accountId: string, flowId: string, version: number): Promise<FlowVersionRecord | null>;
}

export interface ExecutionSummary extends IndexedUsage {
  id: string;
  account_id: string;
  flow_id: string;
  flow_version: number;
  status: ExecutionStatus;
  /** What started the run: a type (`api`, `flow` for a sub-flow) or `<type>:<id>` (`cron:trg_…`, `webhook:trg_…`, `rerun:exe_…`). */
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

/** Bounds on a record's time (an execution's `created_at`, an audit event's `time`), ISO in UTC: `since` inclusive, `until` exclusive. */
export interface TimeRange {
  since?: string | undefined;
  until?: string | undefined;
}

export interface ExecutionFilter extends TimeRange {
  flow_id?: string | undefined;
  status?: ExecutionStatus | undefined;
  /** What started the runs: `api`, `cron`, `webhook`, `flow`, `email`, `rerun` (the part of `trigger` before any `:`). */
  trigger_type?: string | undefined;
  /** One trigger: the runs whose `trigger` is `<type>:<trigger_id>`. */
  trigger_id?: string | undefined;
}

/** The account database's index of executions; the execution objects hold the details. */
export interface ExecutionIndex extends ExecutionRemoval, ExecutionMetricsSource {
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

export interface AuditFilter extends TimeRange {
  action?: string | undefined;
}

/** Append-only security trail, read back per account, newest first. */
export interface AuditLog extends AuditPruning {
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

export type TriggerKind = "cron" | "webhook" | "flow" | "email";

/**
 * A way a flow starts on its own. Triggers with `source: "flow"` are declared by the flow's current
 * version (`triggers:` in its YAML) and written by FlowStore with each version, so none outlives its
 * flow or describes an older version; `source: "node"` ones are schedules a `cron` node made.
 */
export interface TriggerRecord {
  /**
   * Public, unguessable and stable: `trg_` + random, given when a key first appears in the flow and
   * kept by later versions that still declare that key (a webhook's URL is /hooks/{id}).
   */
  id: string;
  account_id: string;
  /** The flow it starts. */
  flow_id: string;
  /** Its id within the flow (the YAML `id`), or the id a `cron` node gave its schedule. */
  key: string;
  kind: TriggerKind;
  source: "flow" | "node";
  /** The flow version whose YAML declared it (for node schedules: the version current when it was made). */
  flow_version: number;
  /** The normalised declaration (flow language `TriggerDefinition`); JSON. */
  config: Record<string, unknown>;
  /** Paused through the schedules API; kept across flow versions. The flow's `enabled` switch pauses all. */
  paused: boolean;
  created_at: string;
  updated_at: string;
}

export interface TriggerFilter {
  kind?: TriggerKind | undefined;
  flow_id?: string | undefined;
  source?: "flow" | "node" | undefined;
  key?: string | undefined;
}

export interface TriggerStore {
  /** By public id, across accounts: public trigger URLs carry no account. */
  get(id: string): Promise<TriggerRecord | null>;
  /** The account's triggers, by id. */
  list(accountId: string, filter: TriggerFilter, page: PageRequest): Promise<Page<TriggerRecord>>;
  /** Every trigger of a kind in every account, by id (the Worker's scheduled() backstop re-arms cron ones). */
  listAll(kind: TriggerKind, page: PageRequest): Promise<Page<TriggerRecord>>;
  /**
   * Creates or replaces a `source: "node"` trigger (a replaced one keeps its `paused` and
   * `created_at`); fails with StorageError("conflict") over a `source: "flow"` one, or when the
   * account has no flow `flow_id`, so no schedule outlives its flow.
   */
  putNodeTrigger(trigger: TriggerRecord): Promise<void>;
  /** Deletes a `source: "node"` trigger of the account; false when there is none with that id. */
  deleteNodeTrigger(accountId: string, id: string): Promise<boolean>;
  /** Sets `paused`; null when the account has no trigger with that id. */
  setPaused(accountId: string, id: string, paused: boolean, at: string): Promise<TriggerRecord | null>;
}

/** An account's subscription to execution events, delivered as signed webhooks (Standard Webhooks). */
export interface WebhookSubscriptionRecord {
  /** `whk_…` */
  id: string;
  account_id: string;
  url: string;
  /** Event types, e.g. `execution.completed`; `*` for all. */
  events: string[];
  /** Only events of this flow's runs; null for every flow. */
  flow_id: string | null;
  description: string | null;
  /** The `whsec_` signing secret, sealed with the account's data key; never plaintext. */
  secret_ciphertext: string;
  enabled: boolean;
  /** Why it was disabled automatically (e.g. a long failure streak); null when enabled or disabled by a user. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export type WebhookSubscriptionPatch = Partial<
  Pick<WebhookSubscriptionRecord, "url" | "events" | "flow_id" | "description" | "secret_ciphertext" | "enabled" | "disabled_reason">
>;

export interface WebhookSubscriptionStore {
  create(subscription: WebhookSubscriptionRecord): Promise<void>;
  get(accountId: string, id: string): Promise<WebhookSubscriptionRecord | null>;
  /** Newest first. */
  list(accountId: string, page: PageRequest): Promise<Page<WebhookSubscriptionRecord>>;
  /** The account's enabled subscriptions (at most a few hundred by the service's limit), for fan-out of one event. */
  listEnabled(accountId: string): Promise<WebhookSubscriptionRecord[]>;
  update(accountId: string, id: string, patch: WebhookSubscriptionPatch, at: string): Promise<WebhookSubscriptionRecord | null>;
  delete(accountId: string, id: string): Promise<boolean>;
}

/** The plugin kinds an account stores (service-binding plugins are the operator's, in wrangler.toml). */
export type StoredPluginKind = "js" | "http";

/**
 * One version of an account's plugin. The newest version is the plugin; older ones stay, so a run
 * pinned to one finishes with it. Versions are never changed once written.
 */
export interface PluginVersionRecord {
  account_id: string;
  /** The manifest's name, unique per account: the prefix of the plugin's node types. */
  name: string;
  /** 1 for the first save, +1 per update. */
  version: number;
  kind: StoredPluginKind;
  manifest: PluginManifest;
  /** `js`: the module's source; null for other kinds. */
  source: string | null;
  /** `http`: the endpoint nodes are POSTed to; null for other kinds. */
  url: string | null;
  /** `http`: the `whsec_` signing secret, sealed with the account's data key; never plaintext. */
  secret_ciphertext: string | null;
  /** When version 1 was saved. */
  created_at: string;
  /** When this version was saved. */
  updated_at: string;
  /** Who saved this version. */
  created_by: string;
}

export interface PluginStore {
  /** Stores version 1 of a new plugin; StorageError("conflict") when the account has one of that name. */
  create(first: PluginVersionRecord): Promise<void>;
  /** Stores `next` as the newest version only while the plugin is at `next.version - 1`; else StorageError("precondition"). */
  addVersion(next: PluginVersionRecord): Promise<void>;
  /** The newest version. */
  get(accountId: string, name: string): Promise<PluginVersionRecord | null>;
  getVersion(accountId: string, name: string, version: number): Promise<PluginVersionRecord | null>;
  /** The newest version of each of the account's plugins, by name (the service caps how many there are). */
  list(accountId: string): Promise<PluginVersionRecord[]>;
  /** Newest first. */
  listVersions(accountId: string, name: string, page: PageRequest): Promise<Page<PluginVersionRecord>>;
  /** Deletes the plugin with every version. */
  delete(accountId: string, name: string): Promise<boolean>;
}

export interface Storage {
  accounts: AccountStore;
  tokens: TokenStore;
  flows: FlowStore;
  executions: ExecutionIndex;
  secrets: SecretStore;
  audit: AuditLog;
  triggers: TriggerStore;
  webhooks: WebhookSubscriptionStore;
  plugins: PluginStore;
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
