/**
 * What the API answers about the audit log, defined once (plain zod, as in execution-schemas.ts):
 * the route serves this schema and the audit service builds values of its type.
 */
import { z } from "zod";
import type { AuditDetails } from "../storage/types";
import { AUDIT_ACTIONS } from "./audit-actions";
import { pageOf } from "./page-schema";

/** Documented as any JSON object; typed as what the audit service stores (sanitizeDetails). */
const Details = z.record(z.string(), z.unknown()).meta({
  description: "Names, versions, ids and how the caller authenticated (`via`); never secret values, passwords or tokens",
}) as unknown as z.ZodType<AuditDetails>;

export const AuditEventSchema = z
  .object({
    id: z.string(),
    time: z.string().meta({ description: "When the action happened (ISO 8601, UTC)" }),
    actor: z.string().nullable().meta({ description: "Username that acted; for a failed login, the username tried" }),
    action: z.string().meta({ description: AUDIT_ACTIONS.join(" | ") }),
    target_type: z.string().nullable().meta({ description: "account | api_token | flow | execution | secret" }),
    target_id: z.string().nullable(),
    ip: z.string().nullable().meta({ description: "Client address (CF-Connecting-IP)" }),
    details: Details,
  })
  .meta({ id: "AuditEvent" });

export const AuditEventPageSchema = pageOf("events", AuditEventSchema);

export type AuditEventView = z.infer<typeof AuditEventSchema>;
