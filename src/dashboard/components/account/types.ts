/** What the account pages read from the API (docs/api.md), as the server declares it (src/services/*-schemas.ts). */
import type { StructuredType } from "../../../vault/secret-types";

export type { AccountView as Account, LoginResult } from "../../../services/account-schemas";
export type { AuditEventView as AuditEvent } from "../../../services/audit-schemas";
export type { FlowDetail, FlowPage, FlowSummary } from "../../../services/flow-schemas";
export type {
  PluginDetail,
  PluginList,
  PluginSummary,
  PluginTestResult,
  PluginVersionView as PluginVersion,
  PluginWithSecret,
} from "../../../services/plugin-schemas";
export type { ScheduleView as Schedule } from "../../../services/schedule-schemas";
export type { SecretView as Secret } from "../../../services/secret-schemas";
export type { StoreEntryView as StoreEntry } from "../../../services/store-schemas";
export type { CreatedToken, TokenView as ApiToken } from "../../../services/token-schemas";
export type { DeliveryView as Delivery, WebhookView as Webhook, WebhookWithSecret } from "../../../services/webhook-schemas";

// Lists of names from modules that import nothing at run time, so the bundle gets only the lists.
export { AUDIT_ACTIONS } from "../../../services/audit-actions";
export { WEBHOOK_EVENTS } from "../../../services/execution-events";

export type SecretType = "plain" | StructuredType;
/**
 * The server builds its list from the zod schemas of each type (src/vault/secret-types.ts), which
 * must stay out of the bundle: the list is written again here, and the check below fails the build
 * when the two differ.
 */
export const SECRET_TYPES = ["plain", "api_key", "oauth", "database", "aws", "jwt", "custom"] as const satisfies readonly SecretType[];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _SecretTypesAreTheServers = Holds<Same<(typeof SECRET_TYPES)[number], SecretType>>;
