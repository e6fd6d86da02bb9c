/**
 * Webhook verification, scheme by scheme: signatures made the way each sender makes them (Node's
 * crypto for GitHub, Stripe and plain HMACs, the `standardwebhooks` package for Standard Webhooks),
 * then the same calls with a wrong secret, a tampered body, an old or future timestamp.
 */
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { webhookTriggerSchema, type WebhookVerification } from "../../../src/flow/triggers";
import { callerFault, verifyWebhook, type SignedRequest, type VerifyResult } from "../../../src/triggers/verify";

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const nowSeconds = Math.floor(NOW / 1000);
const BODY = JSON.stringify({ action: "opened", note: "é ✓" });

/** A scheme as the flow language normalises it (defaults filled in). */
const scheme = (verify: Record<string, unknown>): WebhookVerification => webhookTriggerSchema.parse({ type: "webhook", verify }).verify;

function request(headers: Record<string, string>, body = BODY, query = ""): SignedRequest {
  return { headers: new Headers(headers), query: new URLSearchParams(query), body: new TextEncoder().encode(body) };
}

const hmac = (algorithm: string, key: string, data: string, encoding: "hex" | "base64" = "hex") =>
  createHmac(algorithm, key).update(data).digest(encoding);

const refusedWith = (result: VerifyResult, reason: string) => {
  expect(result).toMatchObject({ ok: false, reason });
  if (!result.ok) expect(result.message).not.toMatch(/s3cret|whsec_/);
};

describe("verifyWebhook", () => {
  it("none: accepts any call", async () => {
    expect(await verifyWebhook(scheme({ scheme: "none" }), null, request({}), NOW)).toEqual({ ok: true, deliveryId: null });
  });

  it("refuses a missing or empty secret as the owner's problem, not the caller's", async () => {
    for (const secret of [null, ""]) {
      const result = await verifyWebhook(scheme({ scheme: "github", secret: "GH" }), secret, request({}), NOW);
      refusedWith(result, "unusable_secret");
      expect(callerFault(result)).toBe(false);
    }
  });

  describe("token", () => {
    const secret = "s3cret-token";
    it("reads X-Webhook-Token by default", async () => {
      const verify = scheme({ scheme: "token", secret: "T" });
      expect(await verifyWebhook(verify, secret, request({ "X-Webhook-Token": secret }), NOW)).toMatchObject({ ok: true });
      refusedWith(await verifyWebhook(verify, secret, request({ "X-Webhook-Token": "s3cret-tokem" }), NOW), "bad_credentials");
      refusedWith(await verifyWebhook(verify, secret, request({ "X-Webhook-Token": `${secret}x` }), NOW), "bad_credentials");
      const missing = await verifyWebhook(verify, secret, request({}), NOW);
      refusedWith(missing, "missing_credentials");
      expect(callerFault(missing)).toBe(true);
      // A query parameter is not read unless configured.
      refusedWith(await verifyWebhook(verify, secret, request({}, BODY, `token=${secret}`), NOW), "missing_credentials");
    });

    it("reads a configured header, and a Bearer token in Authorization", async () => {
      expect(
        await verifyWebhook(scheme({ scheme: "token", secret: "T", header: "X-Key" }), secret, request({ "x-key": secret }), NOW),
      ).toMatchObject({
        ok: true,
      });
      const bearer = scheme({ scheme: "token", secret: "T", header: "Authorization" });
      expect(await verifyWebhook(bearer, secret, request({ Authorization: `Bearer ${secret}` }), NOW)).toMatchObject({ ok: true });
      refusedWith(await verifyWebhook(bearer, secret, request({ Authorization: "Bearer nope" }), NOW), "bad_credentials");
    });

    it("reads a query parameter instead of the header when configured", async () => {
      const verify = scheme({ scheme: "token", secret: "T", query: "key" });
      expect(await verifyWebhook(verify, secret, request({}, BODY, `key=${secret}`), NOW)).toMatchObject({ ok: true });
      refusedWith(await verifyWebhook(verify, secret, request({ "X-Webhook-Token": secret }), NOW), "missing_credentials");
      refusedWith(await verifyWebhook(verify, secret, request({}, BODY, "key=wrong"), NOW), "bad_credentials");
    });
  });

  describe("basic", () => {
    const verify = scheme({ scheme: "basic", username: "sender", secret: "P" });
    const basic = (user: string, password: string) => ({ Authorization: `Basic ${btoa(`${user}:${password}`)}` });
    it("accepts the username with the secret as password, and nothing else", async () => {
      expect(await verifyWebhook(verify, "pa:ss", request(basic("sender", "pa:ss")), NOW)).toMatchObject({ ok: true });
      refusedWith(await verifyWebhook(verify, "pa:ss", request(basic("sender", "pa:sx")), NOW), "bad_credentials");
      refusedWith(await verifyWebhook(verify, "pa:ss", request(basic("other", "pa:ss")), NOW), "bad_credentials");
      refusedWith(await verifyWebhook(verify, "pa:ss", request({ Authorization: "Bearer pa:ss" }), NOW), "missing_credentials");
      refusedWith(await verifyWebhook(verify, "pa:ss", request({ Authorization: "Basic !!!" }), NOW), "bad_credentials");
      refusedWith(await verifyWebhook(verify, "pa:ss", request({}), NOW), "missing_credentials");
    });
  });

  describe("github", () => {
    const verify = scheme({ scheme: "github", secret: "GH" });
    const secret = "s3cret-github";
    const signed = (body: string, key = secret) => ({
      "X-Hub-Signature-256": `sha256=${hmac("sha256", key, body)}`,
      "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    });
    it("accepts GitHub's signature and gives its delivery id", async () => {
      expect(await verifyWebhook(verify, secret, request(signed(BODY)), NOW)).toEqual({
        ok: true,
        deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      });
    });
    it("refuses another secret, a tampered body, a malformed or missing header", async () => {
      refusedWith(await verifyWebhook(verify, secret, request(signed(BODY, "another")), NOW), "bad_signature");
      refusedWith(await verifyWebhook(verify, secret, request(signed(BODY), BODY.replace("opened", "closed")), NOW), "bad_signature");
      refusedWith(
        await verifyWebhook(verify, secret, request({ "X-Hub-Signature-256": hmac("sha256", secret, BODY) }), NOW),
        "malformed_signature",
      );
      refusedWith(await verifyWebhook(verify, secret, request({ "X-Hub-Signature-256": "sha256=zz" }), NOW), "malformed_signature");
      refusedWith(
        await verifyWebhook(verify, secret, request({ "X-Hub-Signature": `sha1=${hmac("sha1", secret, BODY)}` }), NOW),
        "missing_signature",
      );
    });
    it("checks the bytes as received, not a re-encoding of them", async () => {
      const spaced = '{ "a" :1 }';
      expect(await verifyWebhook(verify, secret, request(signed(spaced), spaced), NOW)).toMatchObject({ ok: true });
      refusedWith(await verifyWebhook(verify, secret, request(signed(spaced), '{"a":1}'), NOW), "bad_signature");
    });
  });

  describe("stripe", () => {
    const verify = scheme({ scheme: "stripe", secret: "ST" });
    const secret = "whsec_s3cretStripeKey";
    const header = (t: number, body = BODY, key = secret) => `t=${t},v1=${hmac("sha256", key, `${t}.${body}`)}`;
    it("accepts a fresh signature, among others and v0 ones", async () => {
      expect(await verifyWebhook(verify, secret, request({ "Stripe-Signature": header(nowSeconds) }), NOW)).toEqual({
        ok: true,
        deliveryId: null,
      });
      const several = `t=${nowSeconds},v1=${"ab".repeat(32)},v0=${"cd".repeat(32)},v1=${hmac("sha256", secret, `${nowSeconds}.${BODY}`)}`;
      expect(await verifyWebhook(verify, secret, request({ "Stripe-Signature": several }), NOW)).toMatchObject({ ok: true });
    });
    it("refuses another secret, a tampered body, and a timestamp outside the tolerance either way", async () => {
      refusedWith(
        await verifyWebhook(verify, secret, request({ "Stripe-Signature": header(nowSeconds, BODY, "whsec_other") }), NOW),
        "bad_signature",
      );
      refusedWith(
        await verifyWebhook(verify, secret, request({ "Stripe-Signature": header(nowSeconds) }, `${BODY} `), NOW),
        "bad_signature",
      );
      refusedWith(await verifyWebhook(verify, secret, request({ "Stripe-Signature": header(nowSeconds - 301) }), NOW), "stale_timestamp");
      refusedWith(await verifyWebhook(verify, secret, request({ "Stripe-Signature": header(nowSeconds + 301) }), NOW), "stale_timestamp");
      expect(await verifyWebhook(verify, secret, request({ "Stripe-Signature": header(nowSeconds - 299) }), NOW)).toMatchObject({
        ok: true,
      });
      // A shorter tolerance from the flow.
      const strict = scheme({ scheme: "stripe", secret: "ST", tolerance: "10s" });
      refusedWith(await verifyWebhook(strict, secret, request({ "Stripe-Signature": header(nowSeconds - 11) }), NOW), "stale_timestamp");
    });
    it("refuses a header without a timestamp or a v1 signature", async () => {
      refusedWith(
        await verifyWebhook(verify, secret, request({ "Stripe-Signature": `v1=${"ab".repeat(32)}` }), NOW),
        "malformed_signature",
      );
      refusedWith(
        await verifyWebhook(verify, secret, request({ "Stripe-Signature": `t=${nowSeconds},v0=${"ab".repeat(32)}` }), NOW),
        "missing_signature",
      );
      refusedWith(
        await verifyWebhook(verify, secret, request({ "Stripe-Signature": `t=soon,v1=${"ab".repeat(32)}` }), NOW),
        "malformed_signature",
      );
      refusedWith(await verifyWebhook(verify, secret, request({}), NOW), "missing_signature");
    });
  });

  describe("standard", () => {
    const verify = scheme({ scheme: "standard", secret: "SW" });
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const signed = (id: string, at: number, body = BODY, key = secret) => ({
      "webhook-id": id,
      "webhook-timestamp": String(at),
      "webhook-signature": new Webhook(key).sign(id, new Date(at * 1000), body),
    });
    it("accepts a signature made by the standardwebhooks package, with its id as the delivery id", async () => {
      expect(await verifyWebhook(verify, secret, request(signed("msg_1", nowSeconds)), NOW)).toEqual({ ok: true, deliveryId: "msg_1" });
    });
    it("accepts when one of several signatures matches (key rotation)", async () => {
      const headers = signed("msg_1", nowSeconds);
      const old = new Webhook(`whsec_${btoa("an older key")}`).sign("msg_1", new Date(nowSeconds * 1000), BODY);
      headers["webhook-signature"] = `${old} ${headers["webhook-signature"]}`;
      expect(await verifyWebhook(verify, secret, request(headers), NOW)).toMatchObject({ ok: true });
    });
    it("uses a secret without whsec_ as its UTF-8 bytes, as the webhook node signs", async () => {
      const raw = "plain pässword";
      const headers = { "webhook-id": "m", "webhook-timestamp": String(nowSeconds) } as Record<string, string>;
      headers["webhook-signature"] = new Webhook(new TextEncoder().encode(raw), { format: "raw" }).sign("m", new Date(NOW), BODY);
      expect(await verifyWebhook(verify, raw, request(headers), NOW)).toMatchObject({ ok: true });
    });
    it("refuses another secret, a tampered body or id, an old or future timestamp", async () => {
      refusedWith(
        await verifyWebhook(verify, secret, request(signed("msg_1", nowSeconds, BODY, `whsec_${btoa("other")}`)), NOW),
        "bad_signature",
      );
      refusedWith(await verifyWebhook(verify, secret, request(signed("msg_1", nowSeconds), `${BODY}\n`), NOW), "bad_signature");
      refusedWith(
        await verifyWebhook(verify, secret, request({ ...signed("msg_1", nowSeconds), "webhook-id": "msg_2" }), NOW),
        "bad_signature",
      );
      refusedWith(await verifyWebhook(verify, secret, request(signed("msg_1", nowSeconds - 301)), NOW), "stale_timestamp");
      refusedWith(await verifyWebhook(verify, secret, request(signed("msg_1", nowSeconds + 301)), NOW), "stale_timestamp");
    });
    it("refuses missing headers, and signatures of another version", async () => {
      const headers = signed("msg_1", nowSeconds);
      refusedWith(await verifyWebhook(verify, secret, request({ ...headers, "webhook-id": "" }), NOW), "missing_signature");
      refusedWith(await verifyWebhook(verify, secret, request({ ...headers, "webhook-signature": "v1a,abc" }), NOW), "malformed_signature");
    });
    it("treats a whsec_ secret that is not base64 as the owner's problem", async () => {
      const result = await verifyWebhook(verify, "whsec_not*base64!", request(signed("msg_1", nowSeconds)), NOW);
      refusedWith(result, "unusable_secret");
      expect(callerFault(result)).toBe(false);
    });
  });

  describe("hmac", () => {
    const secret = "s3cret-hmac";
    it.each([
      ["sha1", "hex"],
      ["sha256", "base64"],
      ["sha512", "hex"],
    ] as const)("%s in %s, with a prefix", async (algorithm, encoding) => {
      const verify = scheme({ scheme: "hmac", secret: "H", header: "X-Signature", algorithm, encoding, prefix: `${algorithm}=` });
      const good = { "X-Signature": `${algorithm}=${hmac(algorithm, secret, BODY, encoding)}` };
      expect(await verifyWebhook(verify, secret, request(good), NOW)).toEqual({ ok: true, deliveryId: null });
      refusedWith(await verifyWebhook(verify, "another", request(good), NOW), "bad_signature");
      refusedWith(await verifyWebhook(verify, secret, request(good, BODY.toUpperCase()), NOW), "bad_signature");
      refusedWith(
        await verifyWebhook(verify, secret, request({ "X-Signature": hmac(algorithm, secret, BODY, encoding) }), NOW),
        "malformed_signature",
      );
    });
    it("defaults to hex SHA-256 without a prefix", async () => {
      const verify = scheme({ scheme: "hmac", secret: "H", header: "X-Sig" });
      expect(await verifyWebhook(verify, secret, request({ "X-Sig": hmac("sha256", secret, BODY) }), NOW)).toMatchObject({ ok: true });
      // A SHA-1 signature has the wrong length for SHA-256.
      refusedWith(await verifyWebhook(verify, secret, request({ "X-Sig": hmac("sha1", secret, BODY) }), NOW), "bad_signature");
      refusedWith(await verifyWebhook(verify, secret, request({}), NOW), "missing_signature");
    });
  });
});
