/** The webhook subscriptions API: secrets shown once and sealed, validation, the per-account limit, isolation. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WebhookView } from "../../src/services/webhook-schemas";
import { MAX_SUBSCRIPTIONS } from "../../src/services/webhooks";
import { createStorage } from "../../src/storage";
import { call, ECHO_FLOW, expectError, saveFlow, signUp } from "../helpers/api";
import { createWebhook, HTTP } from "../helpers/webhooks";

const hook = (key: string) => `${HTTP}/inspect/${key}`;

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

describe("webhook subscriptions", () => {
  it("creates a subscription and shows its whsec_ secret once; lists and gets never show it", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const created = await createWebhook(user, {
      url: hook("sub-create"),
      events: ["execution.completed", "execution.failed", "execution.completed"],
      flow_id: flow,
      description: "ops channel",
    });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^whk_[0-9a-z]{25}$/),
      url: hook("sub-create"),
      events: ["execution.completed", "execution.failed"],
      flow_id: flow,
      description: "ops channel",
      enabled: true,
      disabled_reason: null,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(atob(created.secret.slice("whsec_".length))).toHaveLength(24);

    const got = await json<WebhookView & { secret?: string }>(await call(`/api/v1/webhooks/${created.id}`, { headers: user.auth }), 200);
    const { secret, ...view } = created;
    expect(got).toEqual(view);
    const listed = await call("/api/v1/webhooks", { headers: user.auth });
    const listText = await listed.text();
    expect(JSON.parse(listText)).toEqual({ webhooks: [view], next_cursor: null });
    expect(listText).not.toContain(secret);
    expect(listText).not.toContain("whsec_");

    // Stored sealed: the row holds no plaintext secret.
    const row = await createStorage(env).webhooks.get(user.account_id, created.id);
    expect(row!.secret_ciphertext).not.toContain(secret);
    expect(row!.secret_ciphertext).not.toContain(secret.slice("whsec_".length));

    // A second subscription gets a secret of its own.
    const other = await createWebhook(user, { url: hook("sub-create-2"), events: ["*"] });
    expect(other.secret).not.toBe(secret);
    expect(other.flow_id).toBeNull();
  });

  it("refuses bad URLs, unknown events and flows of other accounts with a 400 envelope", async () => {
    const user = await signUp();
    const stranger = await signUp();
    const strangersFlow = await saveFlow(stranger, ECHO_FLOW);
    const bad: [Record<string, unknown>, string][] = [
      [{ url: "http://example.com/hook", events: ["*"] }, "url"],
      [{ url: "ftp://example.com/hook", events: ["*"] }, "url"],
      [{ url: "not a url", events: ["*"] }, "url"],
      [{ url: "https://user:pw@example.com/hook", events: ["*"] }, "url"],
      [{ url: `https://example.com/${"x".repeat(2100)}`, events: ["*"] }, "url"],
      [{ url: "https://example.com/hook", events: ["execution.exploded"] }, "events.0"],
      [{ url: "https://example.com/hook", events: [] }, "events"],
      [{ url: "https://example.com/hook" }, "events"],
      [{ url: "https://example.com/hook", events: ["*"], flow_id: strangersFlow }, "flow_id"],
      [{ url: "https://example.com/hook", events: ["*"], secret: "whsec_mine" }, "(root)"],
    ];
    for (const [body, field] of bad) {
      const error = await expectError(
        await call("/api/v1/webhooks", { method: "POST", headers: user.auth, json: body }),
        400,
        "validation_failed",
      );
      const fields = (error.details as { fields: { path: string; message: string }[] }).fields;
      expect(
        fields.map((f) => f.path),
        JSON.stringify(body).slice(0, 100),
      ).toContain(field);
      expect(error.message).not.toContain("user:pw");
    }
    // https anywhere, and plain http to this machine in local development.
    await createWebhook(user, { url: "https://example.com/hook", events: ["*"] });
    await createWebhook(user, { url: "http://localhost:9/hook", events: ["step.failed"] });
    const page = await json<{ webhooks: WebhookView[] }>(await call("/api/v1/webhooks", { headers: user.auth }), 200);
    expect(page.webhooks).toHaveLength(2);
  });

  it("updates fields; enabling again clears the automatic reason", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const created = await createWebhook(user, { url: hook("sub-patch"), events: ["*"] });
    const patch = (body: unknown) => call(`/api/v1/webhooks/${created.id}`, { method: "PATCH", headers: user.auth, json: body });

    const changed = await json<WebhookView>(
      await patch({ url: hook("sub-patch-2"), events: ["step.failed"], flow_id: flow, description: "x" }),
      200,
    );
    expect(changed).toMatchObject({ url: hook("sub-patch-2"), events: ["step.failed"], flow_id: flow, description: "x", enabled: true });
    expect(Date.parse(changed.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect(await json<WebhookView>(await patch({ flow_id: null, description: null }), 200)).toMatchObject({
      flow_id: null,
      description: null,
    });

    await expectError(await patch({ url: "http://example.com/x" }), 400, "validation_failed");
    await expectError(await patch({ enabled: "yes" }), 400, "validation_failed");

    // As the delivery queue does when a receiver failed for a day.
    await createStorage(env).webhooks.update(
      user.account_id,
      created.id,
      { enabled: false, disabled_reason: "Every delivery failed" },
      new Date().toISOString(),
    );
    const disabled = await json<WebhookView>(await call(`/api/v1/webhooks/${created.id}`, { headers: user.auth }), 200);
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: "Every delivery failed" });
    expect(await json<WebhookView>(await patch({ enabled: true }), 200)).toMatchObject({ enabled: true, disabled_reason: null });
    expect(await json<WebhookView>(await patch({ enabled: false }), 200)).toMatchObject({ enabled: false, disabled_reason: null });
  });

  it("rotates the secret: the new one is shown once", async () => {
    const user = await signUp();
    const created = await createWebhook(user, { url: hook("sub-rotate"), events: ["*"] });
    const rotated = await json<WebhookView & { secret: string }>(
      await call(`/api/v1/webhooks/${created.id}/rotate-secret`, { method: "POST", headers: user.auth }),
      200,
    );
    expect(rotated.id).toBe(created.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const text = await (await call(`/api/v1/webhooks/${created.id}`, { headers: user.auth })).text();
    expect(text).not.toContain("whsec_");
  });

  it("deletes a subscription and its delivery log", async () => {
    const user = await signUp();
    const created = await createWebhook(user, { url: hook("sub-delete"), events: ["*"] });
    expect((await call(`/api/v1/webhooks/${created.id}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await call(`/api/v1/webhooks/${created.id}`, { headers: user.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/webhooks/${created.id}/deliveries`, { headers: user.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/webhooks/${created.id}`, { method: "DELETE", headers: user.auth }), 404, "not_found");
  });

  it("records created, updated and deleted in the audit log without the secret", async () => {
    const user = await signUp();
    const created = await createWebhook(user, { url: hook("sub-audit"), events: ["execution.failed"] });
    await call(`/api/v1/webhooks/${created.id}`, { method: "PATCH", headers: user.auth, json: { events: ["*"] } });
    await call(`/api/v1/webhooks/${created.id}/rotate-secret`, { method: "POST", headers: user.auth });
    await call(`/api/v1/webhooks/${created.id}`, { method: "DELETE", headers: user.auth });
    let text = "";
    for (let i = 0; i < 100; i++) {
      text = await (await call("/api/v1/audit?limit=100", { headers: user.auth })).text();
      if (text.includes("webhook.deleted") && (text.match(/webhook\.updated/g) ?? []).length === 2) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const events = (JSON.parse(text) as { events: { action: string; target_id: string; details: Record<string, unknown> }[] }).events;
    const mine = events.filter((e) => e.target_id === created.id).map((e) => [e.action, e.details.changed ?? e.details.events]);
    expect(mine).toEqual([
      ["webhook.deleted", undefined],
      ["webhook.updated", ["secret"]],
      ["webhook.updated", ["events"]],
      ["webhook.created", ["execution.failed"]],
    ]);
    expect(text).not.toContain("whsec_");
    expect(text).not.toContain("/inspect/sub-audit");
  });

  it(`allows ${MAX_SUBSCRIPTIONS} subscriptions per account, then answers 409`, async () => {
    const user = await signUp();
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) await createWebhook(user, { url: `https://example.com/hook/${i}`, events: ["*"] });
    const error = await expectError(
      await call("/api/v1/webhooks", { method: "POST", headers: user.auth, json: { url: "https://example.com/one-more", events: ["*"] } }),
      409,
      "conflict",
    );
    expect(error.details).toEqual({ limit: MAX_SUBSCRIPTIONS });
    // Another account is not affected.
    await createWebhook(await signUp(), { url: "https://example.com/hook", events: ["*"] });
    // Paged 40 at a time.
    const first = await json<{ webhooks: WebhookView[]; next_cursor: string }>(
      await call("/api/v1/webhooks?limit=40", { headers: user.auth }),
      200,
    );
    expect(first.webhooks).toHaveLength(40);
    const second = await json<{ webhooks: WebhookView[] }>(
      await call(`/api/v1/webhooks?limit=40&cursor=${encodeURIComponent(first.next_cursor)}`, { headers: user.auth }),
      200,
    );
    expect(second.webhooks.map((w) => w.id)).not.toContain(first.webhooks[0]!.id);
  });

  it("answers 404 on every endpoint for another account's subscription", async () => {
    const owner = await signUp();
    const intruder = await signUp();
    const created = await createWebhook(owner, { url: hook("sub-isolation"), events: ["*"] });
    const test = await json<{ id: string }>(
      await call(`/api/v1/webhooks/${created.id}/test`, { method: "POST", headers: owner.auth }),
      202,
    );
    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/v1/webhooks/${created.id}`],
      ["PATCH", `/api/v1/webhooks/${created.id}`, { url: hook("stolen") }],
      ["DELETE", `/api/v1/webhooks/${created.id}`],
      ["POST", `/api/v1/webhooks/${created.id}/rotate-secret`],
      ["GET", `/api/v1/webhooks/${created.id}/deliveries`],
      ["GET", `/api/v1/webhooks/${created.id}/deliveries/${test.id}`],
      ["POST", `/api/v1/webhooks/${created.id}/deliveries/${test.id}/redeliver`],
      ["POST", `/api/v1/webhooks/${created.id}/test`],
    ];
    for (const [method, path, body] of attempts) {
      await expectError(
        await call(path, { method, headers: intruder.auth, ...(body === undefined ? {} : { json: body }) }),
        404,
        "not_found",
      );
    }
    const list = await (await call("/api/v1/webhooks", { headers: intruder.auth })).text();
    expect(list).not.toContain(created.id);
    const still = await json<WebhookView>(await call(`/api/v1/webhooks/${created.id}`, { headers: owner.auth }), 200);
    expect(still.url).toBe(hook("sub-isolation"));
    // Unknown ids of one's own account are 404 too.
    await expectError(await call(`/api/v1/webhooks/${created.id}/deliveries/msg_unknown`, { headers: owner.auth }), 404, "not_found");
    await expectError(await call("/api/v1/webhooks/whk_unknown", { headers: owner.auth }), 404, "not_found");
  });

  it("needs credentials", async () => {
    await expectError(await call("/api/v1/webhooks"), 401, "unauthorized");
    await expectError(
      await call("/api/v1/webhooks", { method: "POST", json: { url: "https://example.com", events: ["*"] } }),
      401,
      "unauthorized",
    );
  });
});
