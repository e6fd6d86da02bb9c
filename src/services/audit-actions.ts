/**
 * Every action the audit log knows. Add new ones here; the API validates `?action=` against this list.
 * A module of its own that imports nothing, so the dashboard offers the same list as its filter
 * without bringing server code into its bundle.
 */
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
  "account.updated",
  "operation.created",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
