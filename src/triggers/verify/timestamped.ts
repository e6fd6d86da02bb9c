/**
 * Schemes whose signature covers a timestamp, so an old delivery cannot be replayed: Stripe
 * (`Stripe-Signature: t=<unix>,v1=<hex>`) and Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64>`). A timestamp further than the tolerance from now, in either
 * direction, is refused before any signature is checked.
 */
import { concatBytes } from "../../lib/encoding";
import { signingKey } from "../../nodes/webhook/sign";
import { anyHmacMatches, decodeSignature, utf8 } from "./hmac";
import { accepted, headerValue, refused, type SignedRequest, type VerifyResult } from "./types";

function timestampProblem(seconds: string, toleranceMs: number, nowMs: number): VerifyResult | null {
  if (!/^\d{1,12}$/.test(seconds)) return refused("malformed_signature", "The signature timestamp is not a number of seconds");
  if (Math.abs(nowMs - Number(seconds) * 1000) > toleranceMs) {
    return refused("stale_timestamp", `The signature timestamp is more than ${Math.round(toleranceMs / 1000)}s away from now`);
  }
  return null;
}

/** Stripe: every `v1` is a hex HMAC-SHA256 of `<t>.<body>` keyed by the whole secret's UTF-8 bytes (whsec_ included). */
export async function verifyStripe(secret: string, toleranceMs: number, request: SignedRequest, nowMs: number): Promise<VerifyResult> {
  const header = headerValue(request.headers, "Stripe-Signature");
  if (header === null) return refused("missing_signature", "The Stripe-Signature header is missing");
  let timestamp: string | null = null;
  const signatures: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t") timestamp = value;
    else if (name === "v1") {
      const bytes = decodeSignature(value, "hex");
      if (bytes) signatures.push(bytes);
    }
  }
  if (timestamp === null) return refused("malformed_signature", "The Stripe-Signature header has no timestamp (t=)");
  if (signatures.length === 0) return refused("missing_signature", "The Stripe-Signature header has no v1 signature");
  const problem = timestampProblem(timestamp, toleranceMs, nowMs);
  if (problem) return problem;
  const matches = await anyHmacMatches("sha256", utf8(secret), concatBytes(utf8(`${timestamp}.`), request.body), signatures);
  return matches ? accepted() : refused("bad_signature", "No v1 signature in Stripe-Signature matches the body");
}

/**
 * Standard Webhooks: any `v1,<base64>` in webhook-signature (space-separated) is the HMAC-SHA256 of
 * `<id>.<timestamp>.<body>`. The key is read as the webhook node signs (a `whsec_` secret is base64,
 * any other is its UTF-8 bytes). The signed webhook-id is the delivery id.
 */
export async function verifyStandard(secret: string, toleranceMs: number, request: SignedRequest, nowMs: number): Promise<VerifyResult> {
  const id = headerValue(request.headers, "webhook-id");
  const timestamp = headerValue(request.headers, "webhook-timestamp");
  const header = headerValue(request.headers, "webhook-signature");
  if (id === null || timestamp === null || header === null) {
    return refused("missing_signature", "The webhook-id, webhook-timestamp and webhook-signature headers are required");
  }
  const signatures = header
    .split(" ")
    .filter((part) => part.startsWith("v1,"))
    .map((part) => decodeSignature(part.slice(3), "base64"))
    .filter((bytes): bytes is Uint8Array => bytes !== undefined);
  if (signatures.length === 0) return refused("malformed_signature", "The webhook-signature header has no v1 signature");
  const problem = timestampProblem(timestamp, toleranceMs, nowMs);
  if (problem) return problem;
  let key: Uint8Array;
  try {
    key = signingKey(secret);
  } catch {
    return refused("unusable_secret", "The secret is not a Standard Webhooks key");
  }
  const matches = await anyHmacMatches("sha256", key, concatBytes(utf8(`${id}.${timestamp}.`), request.body), signatures);
  return matches ? accepted(id) : refused("bad_signature", "No v1 signature in webhook-signature matches the body");
}
