/**
 * Outbound webhooks end to end: runs send signed events to the loopback receiver, failed attempts are
 * retried (the alarm is fired to skip each back-off wait), redelivered, and a receiver that fails for
 * a day gets its subscription disabled.
 */
import { runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { EventPayload } from "../../src/services/execution-events";
import type { DeliveryView, WebhookView } from "../../src/services/webhook-schemas";
import { call, ECHO_FLOW, expectError, runFlow, saveFlow, signUp, yaml } from "../helpers/api";
import { createWebhook, deliveries, deliveriesUntil, deliveryObject, eventually, HTTP, received, type Received } from "../helpers/webhooks";

const unique = () => crypto.randomUUID();

const FAILING = yaml`
metadata: {name: Failing}
nodes:
  boom: {type: transform, params: {script: "throw new Error('boom ' + input.n)"}}
`;

/** A failed step taken by its error edge: step.failed, and the run completes. */
const RECOVERING = yaml`
metadata: {name: Recovering}
nodes:
  boom:
    type: transform
    params: {script: "throw new Error('handled')"}
    next: {error: rescue}
  rescue: {type: transform, params: {script: "return { rescued: true }"}}
`;

const WAITING = yaml`
metadata: {name: Waiting}
nodes:
  ask: {type: wait, params: {type: event, event: go}}
`;

function verified(secret: string, delivery: Received): EventPayload {
  return new Webhook(secret).verify(delivery.body, delivery.headers) as EventPayload;
}

async function receivedUntil(key: string, count: number): Promise<Received[]> {
  return eventually(async () => {
    const got = await received(key);
    expect(got.length).toBeGreaterThanOrEqual(count);
    return got;
  });
}

describe("outbound webhooks", () => {
  it("delivers execution.completed signed per Standard Webhooks, and logs the attempt", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const key = unique();
    const hook = await createWebhook(user, { url: `${HTTP}/inspect/${key}`, events: ["*"] });
    const run = await runFlow(user, flow, { greeting: "hi", token: "not-a-secret" });
    expect(run.status).toBe("completed");

    const [got, ...more] = await receivedUntil(key, 1);
    expect(more).toEqual([]);
    expect(got!.method).toBe("POST");
    expect(got!.headers["content-type"]).toBe("application/json");
    const event = verified(hook.secret, got!);
    expect(event).toEqual({
      type: "execution.completed",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        execution_id: run.id,
        flow_id: flow,
        flow_version: 1,
        status: "completed",
        trigger: "api",
        output_preview: JSON.stringify({ greeting: "hi", token: "not-a-secret" }),
      },
    });
    expect(() => new Webhook("whsec_" + btoa("not the subscription's key")).verify(got!.body, got!.headers)).toThrow();

    const [delivery] = await deliveriesUntil(user, hook.id, (log) => log[0]?.status === "delivered", { fireAlarm: false });
    expect(delivery).toMatchObject({
      id: got!.headers["webhook-id"],
      event_type: "execution.completed",
      status: "delivered",
      attempt_count: 1,
      next_attempt_at: null,
      failure: null,
      payload: event,
    });
    expect(delivery!.id).toMatch(/^msg_[0-9a-z]{25}$/);
    expect(delivery!.attempts).toEqual([
      { at: expect.any(String), status: 200, latency_ms: expect.any(Number), error: null, response: JSON.stringify({ received: true }) },
    ]);
    const one = await call(`/api/v1/webhooks/${hook.id}/deliveries/${delivery!.id}`, { headers: user.auth });
    expect(await one.json()).toEqual(delivery);
  });

  it("sends every kind of event to the subscriptions that ask for it", async () => {
    const user = await signUp();
    const failing = await saveFlow(user, FAILING);
    const recovering = await saveFlow(user, RECOVERING);
    const waiting = await saveFlow(user, WAITING);
    const all = unique();
    const failuresOnly = unique();
    const waitingFlowOnly = unique();
    const hookAll = await createWebhook(user, { url: `${HTTP}/inspect/${all}`, events: ["*"] });
    await createWebhook(user, { url: `${HTTP}/inspect/${failuresOnly}`, events: ["execution.failed", "step.failed"] });
    await createWebhook(user, { url: `${HTTP}/inspect/${waitingFlowOnly}`, events: ["*"], flow_id: waiting });

    const failed = await runFlow(user, failing, { n: 1 });
    expect(failed.status).toBe("failed");
    const recovered = await runFlow(user, recovering);
    expect(recovered.status).toBe("completed");
    const parked = await runFlow(user, waiting, {}, 0);
    await eventually(async () => expect((await received(waitingFlowOnly)).length).toBe(1));
    expect((await call(`/api/v1/executions/${parked.id}`, { method: "DELETE", headers: user.auth })).status).toBe(200);

    const events = (await receivedUntil(all, 6)).map((r) => verified(hookAll.secret, r));
    const summary = events.map((e) => [e.type, (e.data as { execution_id: string }).execution_id]).sort();
    expect(summary).toEqual(
      [
        ["execution.cancelled", parked.id],
        ["execution.completed", recovered.id],
        ["execution.failed", failed.id],
        ["execution.waiting", parked.id],
        ["step.failed", failed.id],
        ["step.failed", recovered.id],
      ].sort(),
    );
    const failure = events.find((e) => e.type === "execution.failed")!;
    expect(failure.data).toEqual({
      execution_id: failed.id,
      flow_id: failing,
      flow_version: 1,
      status: "failed",
      trigger: "api",
      error: { code: expect.any(String), message: expect.stringContaining("boom 1"), node_id: "boom" },
    });
    const stepFailed = events.find((e) => e.type === "step.failed" && (e.data as { execution_id: string }).execution_id === recovered.id)!;
    expect(stepFailed.data).toMatchObject({
      node_id: "boom",
      status: "running",
      error: { code: expect.any(String), message: expect.stringContaining("handled"), node_id: "boom" },
    });

    await eventually(async () => {
      const types = (await received(failuresOnly)).map((r) => (JSON.parse(r.body) as EventPayload).type).sort();
      expect(types).toEqual(["execution.failed", "step.failed", "step.failed"]);
    });
    await eventually(async () => {
      const types = (await received(waitingFlowOnly)).map((r) => (JSON.parse(r.body) as EventPayload).type).sort();
      expect(types).toEqual(["execution.cancelled", "execution.waiting"]);
    });
    // Nothing more arrives later (each event once).
    await new Promise((r) => setTimeout(r, 300));
    expect(await received(all)).toHaveLength(6);
  });

  it("retries a failing receiver with the same message id until it answers 2xx", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const key = unique();
    const hook = await createWebhook(user, { url: `${HTTP}/flaky/${key}/2`, events: ["execution.completed"] });
    await runFlow(user, flow, { n: 1 });

    const [first] = await deliveriesUntil(user, hook.id, (log) => log[0]?.attempt_count === 1, { fireAlarm: false });
    expect(first).toMatchObject({ status: "pending", attempt_count: 1 });
    expect(first!.attempts[0]).toMatchObject({
      status: 503,
      error: { code: "http_status" },
      response: expect.stringContaining('"ok":false'),
    });
    // The first retry waits about 5 s; firing the alarm skips that wait.
    const wait = Date.parse(first!.next_attempt_at!) - Date.parse(first!.attempts[0]!.at);
    expect(wait).toBeGreaterThanOrEqual(4_000);
    expect(wait).toBeLessThanOrEqual(6_000);

    const [done] = await deliveriesUntil(user, hook.id, (log) => log[0]?.status === "delivered");
    expect(done!.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    const hits = await received(key);
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.headers["webhook-id"]))).toEqual(new Set([done!.id]));
    expect(new Set(hits.map((h) => h.body)).size).toBe(1);
    for (const hit of hits) expect(verified(hook.secret, hit).type).toBe("execution.completed");
  });

  it("redelivers a delivery under its message id, and sends test events", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const key = unique();
    const hook = await createWebhook(user, { url: `${HTTP}/inspect/${key}`, events: ["execution.completed"] });
    await runFlow(user, flow);
    const [delivered] = await deliveriesUntil(user, hook.id, (log) => log[0]?.status === "delivered", { fireAlarm: false });

    const res = await call(`/api/v1/webhooks/${hook.id}/deliveries/${delivered!.id}/redeliver`, { method: "POST", headers: user.auth });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: delivered!.id, status: "pending" });
    const again = await deliveriesUntil(user, hook.id, (log) => log[0]?.attempt_count === 2 && log[0].status === "delivered");
    expect(again).toHaveLength(1);
    const hits = await received(key);
    expect(hits.map((h) => h.headers["webhook-id"])).toEqual([delivered!.id, delivered!.id]);

    const test = await call(`/api/v1/webhooks/${hook.id}/test`, { method: "POST", headers: user.auth });
    expect(test.status).toBe(202);
    const queued = (await test.json()) as DeliveryView;
    expect(queued).toMatchObject({
      event_type: "webhook.test",
      status: "pending",
      payload: { type: "webhook.test", data: { subscription_id: hook.id } },
    });
    await deliveriesUntil(user, hook.id, (log) => log.find((d) => d.id === queued.id)?.status === "delivered");
    const testHit = (await received(key)).find((h) => h.headers["webhook-id"] === queued.id)!;
    expect(verified(hook.secret, testHit)).toMatchObject({ type: "webhook.test", data: { subscription_id: hook.id } });

    await expectError(
      await call(`/api/v1/webhooks/${hook.id}/deliveries/msg_0000000000000000000000000/redeliver`, { method: "POST", headers: user.auth }),
      404,
      "not_found",
    );
  });

  it("signs with the rotated secret from the next delivery on", async () => {
    const user = await signUp();
    const key = unique();
    const hook = await createWebhook(user, { url: `${HTTP}/inspect/${key}`, events: ["*"] });
    const rotated = (await (await call(`/api/v1/webhooks/${hook.id}/rotate-secret`, { method: "POST", headers: user.auth })).json()) as {
      secret: string;
    };
    await call(`/api/v1/webhooks/${hook.id}/test`, { method: "POST", headers: user.auth });
    const [hit] = await receivedUntil(key, 1);
    expect(verified(rotated.secret, hit!).type).toBe("webhook.test");
    expect(() => verified(hook.secret, hit!)).toThrow();
  });

  it("sends nothing to a disabled subscription", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const key = unique();
    const hook = await createWebhook(user, { url: `${HTTP}/inspect/${key}`, events: ["*"] });
    await call(`/api/v1/webhooks/${hook.id}`, { method: "PATCH", headers: user.auth, json: { enabled: false } });
    await runFlow(user, flow);
    await expectError(await call(`/api/v1/webhooks/${hook.id}/test`, { method: "POST", headers: user.auth }), 409, "conflict");
    await new Promise((r) => setTimeout(r, 300));
    expect(await received(key)).toEqual([]);
    expect(await deliveries(user, hook.id)).toEqual([]);
  });

  it("disables a subscription whose receiver failed for 24 hours; enabling it and redelivering works again", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const key = unique();
    const hook = await createWebhook(user, { url: `${HTTP}/inspect/${key}/500`, events: ["execution.completed"] });
    await runFlow(user, flow);
    const [first] = await deliveriesUntil(user, hook.id, (log) => log[0]?.attempt_count === 1, { fireAlarm: false });
    expect(first).toMatchObject({ status: "pending", attempts: [{ status: 500, error: { code: "http_status" } }] });

    // A day passes: the delivery's window and the failure streak began 25 hours ago.
    const dayAgo = Date.now() - 25 * 3_600_000;
    await runInDurableObject(deliveryObject(hook.id), (_instance, state: DurableObjectState) => {
      state.storage.sql.exec("UPDATE deliveries SET first_attempt_at = ?", dayAgo);
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'state'", JSON.stringify({ failing_since: dayAgo }));
    });
    const [failed] = await deliveriesUntil(user, hook.id, (log) => log[0]?.status === "failed");
    expect(failed!.attempt_count).toBe(2);
    const disabled = await eventually(async () => {
      const view = (await (await call(`/api/v1/webhooks/${hook.id}`, { headers: user.auth })).json()) as WebhookView;
      expect(view.enabled).toBe(false);
      return view;
    });
    expect(disabled.disabled_reason).toMatch(/failed for 24 hours.*answered 500/);
    await expectError(
      await call(`/api/v1/webhooks/${hook.id}/deliveries/${failed!.id}/redeliver`, { method: "POST", headers: user.auth }),
      409,
      "conflict",
    );

    // Fixed: the receiver's URL changes and the subscription is enabled again.
    const fixed = unique();
    const enabled = await call(`/api/v1/webhooks/${hook.id}`, {
      method: "PATCH",
      headers: user.auth,
      json: { enabled: true, url: `${HTTP}/inspect/${fixed}` },
    });
    expect(await enabled.json()).toMatchObject({ enabled: true, disabled_reason: null });
    expect(
      (await call(`/api/v1/webhooks/${hook.id}/deliveries/${failed!.id}/redeliver`, { method: "POST", headers: user.auth })).status,
    ).toBe(202);
    const [redelivered] = await deliveriesUntil(user, hook.id, (log) => log[0]?.status === "delivered");
    expect(redelivered!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect((await received(fixed)).map((h) => h.headers["webhook-id"])).toEqual([failed!.id]);
    // The streak started over: the queue's state no longer remembers the failures.
    const failingSince = await runInDurableObject(deliveryObject(hook.id), (_instance, state: DurableObjectState) =>
      JSON.parse(String(state.storage.sql.exec("SELECT value FROM meta WHERE key = 'state'").one().value)),
    );
    expect(failingSince).toEqual({ failing_since: null });
  });

  it("keeps signing secrets out of the delivery log", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const hook = await createWebhook(user, { url: `${HTTP}/echo/${unique()}`, events: ["*"] });
    await runFlow(user, flow);
    const log = await deliveriesUntil(user, hook.id, (l) => l[0]?.status === "delivered", { fireAlarm: false });
    // The echo receiver answers with the headers it got, signature included: the secret is not among them.
    const text = JSON.stringify(log);
    expect(text).toContain("webhook-signature");
    expect(text).not.toContain(hook.secret);
    expect(log[0]!.attempts[0]!.response!.length).toBeLessThanOrEqual(1024);
  });
});
