/**
 * Webhook URLs, end to end through the Worker: each verification scheme with real signatures
 * (WebCrypto for GitHub, Stripe and HMAC; the `standardwebhooks` package for Standard Webhooks),
 * refusals that start nothing, redeliveries that start one run, the input the flow receives, and
 * accounts kept apart.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, expectError, getExecution, signUp, uniqueName, yaml, type TestUser } from "../helpers/api";
import {
  executionsOf,
  githubHeaders,
  hmacBase64,
  hook,
  postJson,
  putSecret,
  saveHookFlow,
  sleep,
  stripeSignature,
  type Hook,
} from "../helpers/hooks";

/** A flow answering with its input once it ran, with the given webhook trigger settings. */
const echoFlow = (trigger: string) => yaml`
metadata: {name: ${uniqueName("hook")}}
triggers:
  - type: webhook
    response: last_node
${trigger
  .split("\n")
  .map((line) => `    ${line}`)
  .join("\n")}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

async function setUp(trigger: string, secrets: Record<string, string> = {}): Promise<{ user: TestUser; hook: Hook }> {
  const user = await signUp();
  for (const [key, value] of Object.entries(secrets)) await putSecret(user, key, value);
  return { user, hook: await saveHookFlow(user, echoFlow(trigger)) };
}

const runsOf = (user: TestUser, h: Hook) => executionsOf(user, `trigger_type=webhook&trigger_id=${h.triggerId}`);

interface Input {
  method: string;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  body: unknown;
  body_encoding: string;
  content_type: string | null;
  raw_body?: string;
  delivery_id: string | null;
  received_at: string;
}

describe("webhook verification", () => {
  it("none: anyone with the URL starts the flow", async () => {
    const { user, hook: h } = await setUp("verify: {scheme: none}");
    const res = await postJson(h.path, { hello: "world" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Input).body).toEqual({ hello: "world" });
    expect(await runsOf(user, h)).toHaveLength(1);
  });

  it("token: the header must hold the vault secret, and the flow never sees it", async () => {
    const { user, hook: h } = await setUp("verify: {scheme: token, secret: HOOK_TOKEN}", { HOOK_TOKEN: "tok-0123456789" });
    await expectError(await postJson(h.path, {}, { "X-Webhook-Token": "tok-wrong" }), 401, "unauthorized");
    await expectError(await postJson(h.path, {}), 401, "unauthorized");
    expect(await runsOf(user, h)).toHaveLength(0);

    const res = await postJson(
      h.path,
      { ok: 1 },
      { "X-Webhook-Token": "tok-0123456789", Cookie: "a=b", "X-Api-Key": "k-1", "X-Trace": "t-1" },
    );
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).not.toContain("tok-0123456789");
    const input = JSON.parse(text) as Input;
    expect(input.headers["x-trace"]).toBe("t-1");
    for (const hidden of ["x-webhook-token", "cookie", "x-api-key", "authorization"]) expect(input.headers).not.toHaveProperty(hidden);
    const [run] = await runsOf(user, h);
    const execution = await getExecution(user, run!.id);
    expect(JSON.stringify(execution)).not.toContain("tok-0123456789");
  });

  it("token in the query string: accepted there and removed from the input's query", async () => {
    const { hook: h } = await setUp("verify: {scheme: token, secret: Q_TOKEN, query: key}", { Q_TOKEN: "q-secret-42" });
    await expectError(await hook(`${h.path}?key=nope`, { body: "" }), 401, "unauthorized");
    const res = await hook(`${h.path}?key=q-secret-42&page=2&tag=a&tag=b`, { body: "" });
    expect(res.status).toBe(200);
    const input = (await res.json()) as Input;
    expect(input.query).toEqual({ page: "2", tag: ["a", "b"] });
    expect(input.body).toBeNull();
    expect(input.body_encoding).toBe("none");
  });

  it("basic: username and vault password, with a Basic challenge on refusal", async () => {
    const { hook: h } = await setUp("verify: {scheme: basic, username: sender, secret: BASIC_PW}", { BASIC_PW: "pw-9876" });
    const refused = await postJson(h.path, {}, { Authorization: `Basic ${btoa("sender:wrong")}` });
    expect(refused.headers.get("WWW-Authenticate")).toBe('Basic realm="webhook"');
    await expectError(refused, 401, "unauthorized");
    const res = await postJson(h.path, { a: 1 }, { Authorization: `Basic ${btoa("sender:pw-9876")}` });
    expect(res.status).toBe(200);
    expect((await res.json()) as Input).not.toHaveProperty(["headers", "authorization"]);
  });

  it("github: signature checked on the raw body; a redelivery starts nothing and gets the same answer", async () => {
    const secret = "gh-secret-abc";
    const { user, hook: h } = await setUp("verify: {scheme: github, secret: GH_SECRET}", { GH_SECRET: secret });
    const body = '{"ref": "refs/heads/main",  "commits": [1, 2]}';
    const delivery = crypto.randomUUID();

    await expectError(await hook(h.path, { body, headers: await githubHeaders("another-secret", body, delivery) }), 401, "unauthorized");
    const tampered = await hook(h.path, { body: body.replace("main", "evil"), headers: await githubHeaders(secret, body, delivery) });
    const error = await expectError(tampered, 401, "unauthorized");
    expect(error.details).toEqual({ reason: "bad_signature" });
    expect(await runsOf(user, h)).toHaveLength(0);

    const first = await hook(h.path, { body, headers: await githubHeaders(secret, body, delivery) });
    const firstText = await first.text();
    expect(first.status, firstText).toBe(200);
    const input = JSON.parse(firstText) as Input;
    expect(input).toMatchObject({ method: "POST", body: { ref: "refs/heads/main", commits: [1, 2] }, delivery_id: delivery });
    expect(input.headers["x-hub-signature-256"]).toMatch(/^sha256=/);

    const again = await hook(h.path, { body, headers: await githubHeaders(secret, body, delivery) });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(firstText);
    const runs = await runsOf(user, h);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: `webhook:${h.triggerId}`, flow_id: h.flowId, status: "completed" });

    // Another delivery id is another run.
    expect((await hook(h.path, { body, headers: await githubHeaders(secret, body, crypto.randomUUID()) })).status).toBe(200);
    expect(await runsOf(user, h)).toHaveLength(2);
  });

  it("stripe: signature over the timestamp and body, refused outside the tolerance either way", async () => {
    const secret = "whsec_stripe_test_123";
    const { user, hook: h } = await setUp("verify: {scheme: stripe, secret: STRIPE, tolerance: 60s}", { STRIPE: secret });
    const body = JSON.stringify({ id: "evt_1", type: "charge.succeeded" });
    const now = Math.floor(Date.now() / 1000);
    const send = (signature: string, payload = body) =>
      hook(h.path, { body: payload, headers: { "Content-Type": "application/json", "Stripe-Signature": signature } });

    await expectError(await send(await stripeSignature("whsec_other", body, now)), 401, "unauthorized");
    await expectError(await send(await stripeSignature(secret, body, now), body.replace("evt_1", "evt_2")), 401, "unauthorized");
    const old = await expectError(await send(await stripeSignature(secret, body, now - 120)), 401, "unauthorized");
    expect(old.details).toEqual({ reason: "stale_timestamp" });
    await expectError(await send(await stripeSignature(secret, body, now + 120)), 401, "unauthorized");
    expect(await runsOf(user, h)).toHaveLength(0);

    const res = await send(await stripeSignature(secret, body, now));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Input).body).toEqual({ id: "evt_1", type: "charge.succeeded" });
  });

  it("standard: Standard Webhooks signatures; webhook-id deduplicates; old timestamps refused", async () => {
    const secret = `whsec_${btoa("standard-webhooks-key-0123456789")}`;
    const { user, hook: h } = await setUp("verify: {scheme: standard, secret: SW_SECRET}", { SW_SECRET: secret });
    const body = JSON.stringify({ type: "invoice.paid", amount: 42 });
    const signed = (id: string, at: Date, key = secret, payload = body) => ({
      "Content-Type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(key).sign(id, at, payload),
    });
    const id = `msg_${uniqueName()}`;

    await expectError(await hook(h.path, { body, headers: signed(id, new Date(), `whsec_${btoa("another")}`) }), 401, "unauthorized");
    await expectError(await hook(h.path, { body: `${body} `, headers: signed(id, new Date()) }), 401, "unauthorized");
    await expectError(await hook(h.path, { body, headers: signed(id, new Date(Date.now() - 600_000)) }), 401, "unauthorized");
    await expectError(await hook(h.path, { body, headers: signed(id, new Date(Date.now() + 600_000)) }), 401, "unauthorized");
    expect(await runsOf(user, h)).toHaveLength(0);

    const first = await hook(h.path, { body, headers: signed(id, new Date()) });
    const text = await first.text();
    expect(first.status, text).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ delivery_id: id, body: { type: "invoice.paid", amount: 42 } });
    // The sender retries with a new timestamp and signature, same id.
    const retry = await hook(h.path, { body, headers: signed(id, new Date(Date.now() + 1_000)) });
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe(text);
    expect(await runsOf(user, h)).toHaveLength(1);
  });

  it("hmac: any header, algorithm, encoding and prefix", async () => {
    const secret = "hmac-s3cret";
    const { hook: h } = await setUp(
      "verify: {scheme: hmac, secret: H, header: X-Signature, algorithm: sha512, encoding: base64, prefix: 'v1='}",
      {
        H: secret,
      },
    );
    const body = "event=created&id=7";
    const send = async (key: string, payload = body) =>
      hook(h.path, {
        body: payload,
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Signature": `v1=${await hmacBase64(key, body, "SHA-512")}` },
      });
    await expectError(await send("wrong"), 401, "unauthorized");
    await expectError(await send(secret, "event=created&id=8"), 401, "unauthorized");
    const res = await send(secret);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Input).body).toEqual({ event: "created", id: "7" });
  });

  it("a dedup_header makes any sender's delivery id count", async () => {
    const { user, hook: h } = await setUp("dedup_header: X-Delivery");
    const send = (delivery: string, n: number) => postJson(h.path, { n }, { "X-Delivery": delivery });
    const first = await (await send("d-1", 1)).text();
    // Same delivery id, other body: the first run's answer, no new run.
    expect(await (await send("d-1", 2)).text()).toBe(first);
    expect(JSON.parse(first)).toMatchObject({ body: { n: 1 }, delivery_id: "d-1" });
    await send("d-2", 3);
    // Without the header, every call is a new run.
    await postJson(h.path, { n: 4 });
    await postJson(h.path, { n: 4 });
    expect(await runsOf(user, h)).toHaveLength(4);
  });

  it("marks the secret used only when a call is verified: refused calls write nothing", async () => {
    const { user, hook: h } = await setUp("verify: {scheme: token, secret: USE_ME}", { USE_ME: "use-me-123" });
    const lastUsed = async () =>
      ((await (await call("/api/v1/accounts/me/secrets/USE_ME", { headers: user.auth })).json()) as { last_used_at: string | null })
        .last_used_at;
    for (let i = 0; i < 3; i++) await expectError(await postJson(h.path, {}, { "X-Webhook-Token": "wrong" }), 401, "unauthorized");
    await sleep(100);
    expect(await lastUsed()).toBeNull();
    expect((await postJson(h.path, {}, { "X-Webhook-Token": "use-me-123" })).status).toBe(200);
    let used: string | null = null;
    for (let i = 0; i < 50 && used === null; i++) {
      used = await lastUsed();
      if (used === null) await sleep(20);
    }
    expect(used).not.toBeNull();
  });

  it("a missing secret refuses calls exactly as a wrong signature would, and tells the owner", async () => {
    const { user, hook: h } = await setUp("verify: {scheme: github, secret: NOT_THERE}");
    const body = '{"a":1}';
    const missing = await hook(h.path, { body, headers: await githubHeaders("guess", body, "d-1") });
    const error = await expectError(missing, 401, "unauthorized");
    expect(error.details).toEqual({ reason: "bad_signature" });
    expect(error.message).not.toMatch(/NOT_THERE|secret|vault/i);
    expect(await runsOf(user, h)).toHaveLength(0);

    // The same answer as a flow whose secret exists and was not matched.
    const other = await setUp("verify: {scheme: github, secret: THERE}", { THERE: "real" });
    const wrong = await expectError(
      await hook(other.hook.path, { body, headers: await githubHeaders("guess", body, "d-1") }),
      401,
      "unauthorized",
    );
    expect(wrong).toEqual(error);

    // The audit write happens after the answer: wait for it.
    let entries: { target_id: string; details: Record<string, unknown> }[] = [];
    for (let i = 0; i < 50 && entries.length === 0; i++) {
      const audit = await call("/api/v1/audit?action=webhook.refused", { headers: user.auth });
      entries = ((await audit.json()) as { events: typeof entries }).events;
      if (entries.length === 0) await sleep(20);
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ target_id: h.triggerId, details: { secret_name: "NOT_THERE", reason: "secret missing" } });
  });

  it("keeps accounts apart: a trigger runs its own account's flow with its own account's secrets", async () => {
    const a = await setUp("verify: {scheme: github, secret: SHARED_NAME}", { SHARED_NAME: "secret-of-a" });
    const b = await setUp("verify: {scheme: github, secret: SHARED_NAME}", { SHARED_NAME: "secret-of-b" });
    const body = '{"x":1}';
    // B's secret never opens A's URL.
    await expectError(await hook(a.hook.path, { body, headers: await githubHeaders("secret-of-b", body, "d-1") }), 401, "unauthorized");
    const ok = await hook(a.hook.path, { body, headers: await githubHeaders("secret-of-a", body, "d-1") });
    expect(ok.status).toBe(200);
    // The same delivery id at B's URL is B's own run.
    expect((await hook(b.hook.path, { body, headers: await githubHeaders("secret-of-b", body, "d-1") })).status).toBe(200);

    const runsA = await runsOf(a.user, a.hook);
    const runsB = await runsOf(b.user, b.hook);
    expect(runsA).toHaveLength(1);
    expect(runsB).toHaveLength(1);
    expect(runsA[0]!.id).not.toBe(runsB[0]!.id);
    expect(runsA[0]!.flow_id).toBe(a.hook.flowId);
    // Neither account sees the other's run or trigger.
    expect(await executionsOf(b.user, `trigger_id=${a.hook.triggerId}`)).toHaveLength(0);
    expect((await call(`/api/v1/executions/${runsA[0]!.id}`, { headers: b.user.auth })).status).toBe(404);
  });
});
