/** The shapes the account pages read from the API (docs/api.md), as the dashboard uses them. */

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const SECRET_TYPES = ["plain", "api_key", "oauth", "database", "aws", "jwt", "custom"] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export interface Secret {
  key: string;
  type: string;
  description: string | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuditEvent {
  id: string;
  time: string;
  actor: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export const AUDIT_ACTIONS = [
  "login.succeeded",
  "login.failed",
  "token.created",
  "token.revoked",
  "flow.created",
  "flow.updated",
  "flow.deleted",
  "flow.enabled",
  "flow.disabled",
  "schedule.paused",
  "schedule.resumed",
  "run.started",
  "webhook.refused",
  "email.refused",
  "secret.created",
  "secret.updated",
  "secret.deleted",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "plugin.created",
  "plugin.updated",
  "plugin.deleted",
] as const;

export interface ScheduleTick {
  tick_at: string;
  at: string;
  outcome: string;
  execution_id: string | null;
  message: string | null;
}

export interface Schedule {
  id: string;
  key: string;
  flow_id: string;
  source: "flow" | "node";
  cron: string;
  timezone: string;
  overlap: string;
  catchup: string;
  description: string | null;
  enabled: boolean;
  paused: boolean;
  state: string;
  next_fire_at: string | null;
  last_tick_at: string | null;
  recent: ScheduleTick[];
}

export const WEBHOOK_EVENTS = [
  "execution.completed",
  "execution.failed",
  "execution.waiting",
  "execution.cancelled",
  "step.failed",
] as const;

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  flow_id: string | null;
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  latency_ms: number;
  error: { code: string; message: string } | null;
  response: string | null;
}

export interface Delivery {
  id: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  created_at: string;
  next_attempt_at: string | null;
  attempt_count: number;
  attempts: DeliveryAttempt[];
  failure: string | null;
  payload: unknown;
}

export interface FlowSummary {
  id: string;
  name: string;
  enabled: boolean;
}

export interface Trigger {
  id: string;
  key: string;
  type: string;
  enabled: boolean;
  paused: boolean;
  description: string | null;
  url?: string;
  config: Record<string, unknown>;
}

export interface PluginSummary {
  name: string;
  kind: "builtin" | "js" | "http" | "service";
  description: string;
  version: string;
  node_types: string[];
}

export interface NodeTypeInfo {
  type: string;
  description: string;
  actions: string[];
  side_effects: boolean | null;
}

export interface PluginDetail {
  name: string;
  kind: PluginSummary["kind"];
  description: string;
  version: string;
  manifest: Record<string, unknown> | null;
  node_types: NodeTypeInfo[];
  params: Record<string, Record<string, unknown>>;
  url: string | null;
  source: string | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface PluginVersion {
  name: string;
  version: number;
  kind: string;
  manifest_version: string;
  created_at: string;
  created_by: string;
}

export interface PluginTestResult {
  ok: boolean;
  output?: unknown;
  action?: string;
  error?: { code: string; message: string; retryable: boolean };
  logs: { level: string; message: string }[];
  duration_ms: number;
}

export interface StoreEntry {
  key: string;
  namespace: string;
  value: unknown;
  version: number;
  expires_at: string | null;
}
