import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ExecutionStatus } from "../../engine/types";
import type { PluginManifest } from "../../plugins/contract";
import type { AuditDetails, StoredPluginKind, TriggerKind, TriggerRecord } from "../types";

// Mirrors migrations/*.sql; the SQL files are the source of truth for D1.
export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  username: text("username").notNull(),
  password_hash: text("password_hash").notNull(),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
  retention_days: integer("retention_days"),
});

export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  account_id: text("account_id").notNull(),
  name: text("name").notNull(),
  prefix: text("prefix").notNull(),
  token_hash: text("token_hash").notNull(),
  created_at: text("created_at").notNull(),
  expires_at: text("expires_at"),
  last_used_at: text("last_used_at"),
  revoked_at: text("revoked_at"),
});

export const flows = sqliteTable("flows", {
  id: text("id").primaryKey(),
  account_id: text("account_id").notNull(),
  name: text("name").notNull(),
  description: text("description"),
  version: integer("version").notNull(),
  content: text("content").notNull(),
  tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
  category: text("category"),
  status: text("status").notNull(),
  custom: text("custom", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  // migrations/0005_triggers.sql
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
});

export const flowVersions = sqliteTable(
  "flow_versions",
  {
    flow_id: text("flow_id").notNull(),
    account_id: text("account_id").notNull(),
    version: integer("version").notNull(),
    content: text("content").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    created_at: text("created_at").notNull(),
    created_by: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.flow_id, t.version] })],
);

export const executions = sqliteTable("executions", {
  id: text("id").primaryKey(),
  account_id: text("account_id").notNull(),
  flow_id: text("flow_id").notNull(),
  flow_version: integer("flow_version").notNull(),
  status: text("status").$type<ExecutionStatus>().notNull(),
  trigger: text("trigger").notNull(),
  parent_id: text("parent_id"),
  current_nodes: text("current_nodes", { mode: "json" }).$type<string[]>().notNull(),
  error: text("error", { mode: "json" }).$type<{ code: string; message: string; node_id: string } | null>(),
  output_preview: text("output_preview"),
  step_count: integer("step_count").notNull(),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
  finished_at: text("finished_at"),
  // migrations/0007_execution_tokens.sql
  tokens: integer("tokens").notNull(),
});

// migrations/0004_audit.sql
export const auditLog = sqliteTable("audit_log", {
  id: text("id").primaryKey(),
  account_id: text("account_id"),
  time: text("time").notNull(),
  actor: text("actor"),
  action: text("action").notNull(),
  target_type: text("target_type"),
  target_id: text("target_id"),
  ip: text("ip"),
  details: text("details", { mode: "json" }).$type<AuditDetails>().notNull(),
});

export const accountKeys = sqliteTable("account_keys", {
  account_id: text("account_id").primaryKey(),
  kid: text("kid").notNull(),
  wrapped: text("wrapped").notNull(),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
});

export const secrets = sqliteTable(
  "secrets",
  {
    account_id: text("account_id").notNull(),
    key: text("key").notNull(),
    type: text("type").notNull(),
    description: text("description"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    ciphertext: text("ciphertext").notNull(),
    created_at: text("created_at").notNull(),
    updated_at: text("updated_at").notNull(),
    last_used_at: text("last_used_at"),
  },
  (t) => [primaryKey({ columns: [t.account_id, t.key] })],
);

// migrations/0005_triggers.sql
export const triggers = sqliteTable("triggers", {
  id: text("id").primaryKey(),
  account_id: text("account_id").notNull(),
  flow_id: text("flow_id").notNull(),
  key: text("key").notNull(),
  kind: text("kind").$type<TriggerKind>().notNull(),
  source: text("source").$type<TriggerRecord["source"]>().notNull(),
  flow_version: integer("flow_version").notNull(),
  config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  paused: integer("paused", { mode: "boolean" }).notNull(),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
});

export const webhookSubscriptions = sqliteTable("webhook_subscriptions", {
  id: text("id").primaryKey(),
  account_id: text("account_id").notNull(),
  url: text("url").notNull(),
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  flow_id: text("flow_id"),
  description: text("description"),
  secret_ciphertext: text("secret_ciphertext").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  disabled_reason: text("disabled_reason"),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
});

// migrations/0006_plugins.sql: the newest version of each plugin, and every version.
const pluginColumns = () => ({
  account_id: text("account_id").notNull(),
  name: text("name").notNull(),
  version: integer("version").notNull(),
  kind: text("kind").$type<StoredPluginKind>().notNull(),
  manifest: text("manifest", { mode: "json" }).$type<PluginManifest>().notNull(),
  source: text("source"),
  url: text("url"),
  secret_ciphertext: text("secret_ciphertext"),
  created_at: text("created_at").notNull(),
  updated_at: text("updated_at").notNull(),
  created_by: text("created_by").notNull(),
});

export const plugins = sqliteTable("plugins", pluginColumns(), (t) => [primaryKey({ columns: [t.account_id, t.name] })]);

export const pluginVersions = sqliteTable("plugin_versions", pluginColumns(), (t) => [
  primaryKey({ columns: [t.account_id, t.name, t.version] }),
]);
