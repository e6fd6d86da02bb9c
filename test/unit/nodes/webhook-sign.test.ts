/** Webhook signing checked against the reference implementation of Standard Webhooks (npm `standardwebhooks`). */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { legacySignature, signingKey, standardWebhookHeaders } from "../../../src/nodes/webhook/sign";
import { webhookId } from "../../../src/nodes/webhook/run";

const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const body = JSON.stringify({ order: 42, note: "é ✓" });
const now = () => Math.floor(Date.now() / 1000);

describe("standard webhook signing", () => {
  it("signs so that the standardwebhooks package verifies a whsec_ secret", async () => {
    const headers = await standardWebhookHeaders("msg_1", now(), body, signingKey(WHSEC));
    expect(Object.keys(headers).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(WHSEC).verify(body, headers)).toEqual({ order: 42, note: "é ✓" });
    // The same signature as the package's own signer.
    const timestamp = new Date(Number(headers["webhook-timestamp"]) * 1000);
    expect(headers["webhook-signature"]).toBe(new Webhook(WHSEC).sign("msg_1", timestamp, body));
  });

  it("is refused for another secret, another body or another id", async () => {
    const headers = await standardWebhookHeaders("msg_1", now(), body, signingKey(WHSEC));
    expect(() => new Webhook("whsec_" + btoa("another key")).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(WHSEC).verify(body.replace("42", "43"), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(WHSEC).verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow(WebhookVerificationError);
  });

  it("uses any other secret as its UTF-8 bytes (verifiable with the raw format)", async () => {
    const secret = "plain pässword";
    const headers = await standardWebhookHeaders("msg_1", now(), body, signingKey(secret));
    expect(new Webhook(new TextEncoder().encode(secret), { format: "raw" }).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(btoa(secret)).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("refuses an empty or non-base64 secret without repeating it", () => {
    expect(() => signingKey("")).toThrow("The signing secret is empty");
    expect(() => signingKey("whsec_")).toThrow("The signing secret is empty");
    expect(() => signingKey("whsec_not*base64!")).toThrow(/must be followed by base64$/);
  });

  it("sends id and timestamp only without a key", async () => {
    expect(await standardWebhookHeaders("msg_1", 1700000000, body, undefined)).toEqual({
      "webhook-id": "msg_1",
      "webhook-timestamp": "1700000000",
    });
  });

  it("computes the original signature: hex HMAC-SHA256 of the body keyed by the secret's text", async () => {
    // RFC 4231 test case 2.
    expect(await legacySignature("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});

describe("webhook id", () => {
  it("is the idempotency key without the attempt, with the item inside a batch", () => {
    expect(webhookId({ visitKey: "ex-1:notify:7", item: undefined })).toBe("ex-1:notify:7");
    expect(webhookId({ visitKey: "ex-1:notify:7", item: 4 })).toBe("ex-1:notify:7:item-4");
  });
});
