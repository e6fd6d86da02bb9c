/**
 * What the API answers about webhook subscriptions and their deliveries, defined once (plain zod, as
 * in execution-schemas.ts): the routes serve these schemas, the webhook service builds values of
 * their types, and the CLI imports the types with `import type`.
 */
import { z } from "zod";
import { jsonValue } from "../lib/json-schema";
import { pageOf } from "./page-schema";

export const WebhookSubscriptionSchema = z
  .object({
    id: z.string().meta({ description: "whk_…" }),
    url: z.string(),
    events: z.array(z.string()).meta({ description: 'Event types delivered, or ["*"] for all' }),
    flow_id: z.string().nullable().meta({ description: "Only events of this flow's runs; null for every flow" }),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabled_reason: z
      .string()
      .nullable()
      .meta({ description: "Why it was disabled automatically; null when enabled or disabled by hand" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "WebhookSubscription", description: "A subscription to execution events. Its signing secret is never listed." });

// An intersection rather than `.extend`: the document shows the subscription plus the secret (allOf).
export const WebhookWithSecretSchema = z
  .intersection(
    WebhookSubscriptionSchema,
    z.object({
      secret: z.string().meta({ description: "The whsec_ signing secret. Shown only when created or rotated." }),
    }),
  )
  .meta({ id: "WebhookSubscriptionWithSecret" });

export const DeliveryAttemptSchema = z
  .object({
    at: z.string(),
    status: z.number().int().nullable().meta({ description: "The receiver's HTTP status; null when none came" }),
    latency_ms: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    response: z.string().nullable().meta({ description: "The start of the receiver's answer (at most 1 KB)" }),
  })
  .meta({ id: "WebhookDeliveryAttempt" });

export const DeliverySchema = z
  .object({
    id: z.string().meta({ description: "The message id (msg_…): the webhook-id header, the same on every attempt" }),
    event_type: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    created_at: z.string(),
    next_attempt_at: z.string().nullable(),
    attempt_count: z.number().int(),
    attempts: z.array(DeliveryAttemptSchema).meta({ description: "The latest attempts, oldest first" }),
    failure: z.string().nullable().meta({ description: "Why it stopped before its retry window ended, if it did" }),
    payload: jsonValue.meta({ description: "The JSON body sent" }),
  })
  .meta({ id: "WebhookDelivery" });

export const WebhookPageSchema = pageOf("webhooks", WebhookSubscriptionSchema);
export const DeliveryPageSchema = pageOf("deliveries", DeliverySchema);

export type WebhookView = z.infer<typeof WebhookSubscriptionSchema>;
export type WebhookWithSecret = z.infer<typeof WebhookWithSecretSchema>;
export type DeliveryView = z.infer<typeof DeliverySchema>;
export type DeliveryAttemptView = z.infer<typeof DeliveryAttemptSchema>;
