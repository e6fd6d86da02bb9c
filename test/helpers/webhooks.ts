/** Webhook subscriptions in API tests: create them, read their delivery logs, and see what the loopback receiver got. */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { expect, inject } from "vitest";
import type { DeliveryView, WebhookWithSecret } from "../../src/services/webhook-schemas";
import { call, type TestUser } from "./api";

export const HTTP = inject("httpBase");

export interface Received {
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** What the loopback server received at `/inspect/<key>` or `/flaky/<key>`. */
export async function received(key: string): Promise<Received[]> {
  return (await (await fetch(`${HTTP}/inspected/${key}`)).json()) as Received[];
}

export async function createWebhook(user: TestUser, body: Record<string, unknown>): Promise<WebhookWithSecret> {
  const res = await call("/api/v1/webhooks", { method: "POST", headers: user.auth, json: body });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as WebhookWithSecret;
}

export async function deliveries(user: TestUser, webhookId: string): Promise<DeliveryView[]> {
  const res = await call(`/api/v1/webhooks/${webhookId}/deliveries?limit=100`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { deliveries: DeliveryView[] }).deliveries;
}

export const deliveryObject = (webhookId: string) => env.DELIVERIES.get(env.DELIVERIES.idFromName(webhookId));

/**
 * Polls the delivery log until `done` holds, firing the subscription's alarm meanwhile: the wait of
 * a retry is skipped, as the runtime would fire it once due.
 */
export async function deliveriesUntil(
  user: TestUser,
  webhookId: string,
  done: (log: DeliveryView[]) => boolean,
  { fireAlarm = true, tries = 200 } = {},
): Promise<DeliveryView[]> {
  let log: DeliveryView[] = [];
  for (let i = 0; i < tries; i++) {
    log = await deliveries(user, webhookId);
    if (done(log)) return log;
    if (fireAlarm) await runDurableObjectAlarm(deliveryObject(webhookId)).catch(() => false);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `the delivery log of ${webhookId} never got there: ${JSON.stringify(log.map((d) => [d.event_type, d.status, d.attempt_count]))}`,
  );
}

/** Waits until `check` passes (the dispatch of run events is in the background). */
export async function eventually<T>(check: () => Promise<T>, tries = 200): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await check();
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw last;
}
