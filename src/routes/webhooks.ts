import type { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { ALL_EVENTS, WEBHOOK_EVENTS } from "../services/execution-events";
import {
  DeliveryPageSchema,
  DeliverySchema as Delivery,
  WebhookPageSchema,
  WebhookSubscriptionSchema as Webhook,
  WebhookWithSecretSchema as WebhookWithSecret,
} from "../services/webhook-schemas";
import { MAX_SUBSCRIPTIONS, MAX_URL_LENGTH } from "../services/webhooks";
import { bearer, commonErrors, errorResponse, IdParam, PageQuery } from "./schemas";

const fields = {
  url: z
    .string()
    .min(1)
    .max(MAX_URL_LENGTH)
    .openapi({ example: "https://example.com/hooks/flowrunner", description: "An https URL (http to loopback only in local development)" }),
  events: z
    .array(z.enum([...WEBHOOK_EVENTS, ALL_EVENTS]))
    .min(1)
    .max(WEBHOOK_EVENTS.length + 1)
    .openapi({ example: ["execution.completed", "execution.failed"], description: `Event types, or ["*"] for all` }),
  flow_id: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .openapi({ description: "Only events of this flow's runs (default: every flow)" }),
  description: z.string().max(500).nullable().optional(),
};

const CreateBody = z.object(fields).strict();
const PatchBody = z
  .object({
    url: fields.url.optional(),
    events: fields.events.optional(),
    flow_id: fields.flow_id,
    description: fields.description,
    enabled: z.boolean().optional().openapi({ description: "true enables a disabled subscription again (clearing disabled_reason)" }),
  })
  .strict();

const WebhookId = IdParam("Webhook subscription id", "whk_0123456789abcdefghijklmno");
const DeliveryParams = WebhookId.extend({
  delivery: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "delivery", in: "path" }, example: "msg_0123456789abcdefghijklmno", description: "Delivery (message) id" }),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const base = "/api/v1/webhooks";
const tags = ["Webhooks"];

export function webhookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use(base, requireAuth);
  app.use(`${base}/*`, requireAuth);

  app.openapi(
    createRoute({
      method: "post",
      path: base,
      operationId: "createWebhook",
      tags,
      summary: "Subscribe a URL to execution events",
      description: `Deliveries are signed per Standard Webhooks with the subscription's secret, shown in this answer only (and by rotate-secret). At most ${MAX_SUBSCRIPTIONS} subscriptions per account.`,
      security: bearer,
      request: { body: { required: true, content: { "application/json": { schema: CreateBody } } } },
      responses: {
        201: json(WebhookWithSecret, "Created; the secret is shown once"),
        ...commonErrors,
        409: errorResponse(`The account already has ${MAX_SUBSCRIPTIONS} subscriptions`),
      },
    }),
    async (c) => c.json(await c.get("services").webhooks.create(c.get("principal"), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: base,
      operationId: "listWebhooks",
      tags,
      summary: "List webhook subscriptions (never their secrets)",
      security: bearer,
      request: { query: PageQuery },
      responses: { 200: json(WebhookPageSchema, "A page of subscriptions, newest first"), ...commonErrors },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await c.get("services").webhooks.list(c.get("principal").account_id, limit, cursor);
      return c.json({ webhooks: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{id}`,
      operationId: "getWebhook",
      tags,
      summary: "A webhook subscription",
      security: bearer,
      request: { params: WebhookId },
      responses: { 200: json(Webhook, "The subscription"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").webhooks.get(c.get("principal").account_id, c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: `${base}/{id}`,
      operationId: "updateWebhook",
      tags,
      summary: "Change a subscription, or enable or disable it",
      security: bearer,
      request: { params: WebhookId, body: { required: true, content: { "application/json": { schema: PatchBody } } } },
      responses: { 200: json(Webhook, "The updated subscription"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").webhooks.update(c.get("principal"), c.req.valid("param").id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{id}`,
      operationId: "deleteWebhook",
      tags,
      summary: "Delete a subscription and its delivery log",
      security: bearer,
      request: { params: WebhookId },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      await c.get("services").webhooks.delete(c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{id}/rotate-secret`,
      operationId: "rotateWebhookSecret",
      tags,
      summary: "Replace the signing secret; the old one stops signing at once",
      security: bearer,
      request: { params: WebhookId },
      responses: { 200: json(WebhookWithSecret, "The subscription with its new secret, shown once"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").webhooks.rotateSecret(c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{id}/deliveries`,
      operationId: "listWebhookDeliveries",
      tags,
      summary: "The delivery log: the latest deliveries with their attempts, newest first",
      security: bearer,
      request: { params: WebhookId, query: PageQuery },
      responses: { 200: json(DeliveryPageSchema, "A page of deliveries"), ...commonErrors },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await c.get("services").webhooks.deliveryLog(c.get("principal").account_id, c.req.valid("param").id, limit, cursor);
      return c.json({ deliveries: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{id}/deliveries/{delivery}`,
      operationId: "getWebhookDelivery",
      tags,
      summary: "One delivery with its attempts",
      security: bearer,
      request: { params: DeliveryParams },
      responses: { 200: json(Delivery, "The delivery"), ...commonErrors },
    }),
    async (c) => {
      const { id, delivery } = c.req.valid("param");
      return c.json(await c.get("services").webhooks.delivery(c.get("principal").account_id, id, delivery), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{id}/deliveries/{delivery}/redeliver`,
      operationId: "redeliverWebhookDelivery",
      tags,
      summary: "Send a delivery again (same message id, a new retry window)",
      security: bearer,
      request: { params: DeliveryParams },
      responses: {
        202: json(Delivery, "Queued; it is sent at once"),
        ...commonErrors,
        409: errorResponse("The subscription is disabled"),
      },
    }),
    async (c) => {
      const { id, delivery } = c.req.valid("param");
      return c.json(await c.get("services").webhooks.redeliver(c.get("principal").account_id, id, delivery), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{id}/test`,
      operationId: "testWebhook",
      tags,
      summary: "Send a webhook.test event to the subscription's URL",
      security: bearer,
      request: { params: WebhookId },
      responses: {
        202: json(Delivery, "Queued; it is sent at once, follow it in the delivery log"),
        ...commonErrors,
        409: errorResponse("The subscription is disabled"),
      },
    }),
    async (c) => c.json(await c.get("services").webhooks.test(c.get("principal").account_id, c.req.valid("param").id), 202),
  );
}
