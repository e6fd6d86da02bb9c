/**
 * Webhook signing per the Standard Webhooks specification (https://www.standardwebhooks.com), with
 * WebCrypto only: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 */

const SECRET_PREFIX = "whsec_";
const encoder = new TextEncoder();

export class InvalidSecretError extends Error {
  override readonly name = "InvalidSecretError";
}

/**
 * The HMAC key a secret stands for: a `whsec_`-prefixed secret is the base64 of the key (as the
 * specification defines); any other string is used as its UTF-8 bytes, so a plain vault value works
 * (a receiver then verifies with the raw bytes, e.g. `new Webhook(bytes, {format: "raw"})`).
 */
export function signingKey(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) {
    if (secret === "") throw new InvalidSecretError("The signing secret is empty");
    return encoder.encode(secret);
  }
  let key: Uint8Array;
  try {
    key = Uint8Array.from(atob(secret.slice(SECRET_PREFIX.length)), (c) => c.charCodeAt(0));
  } catch {
    // The message never repeats the secret: it names the rule only.
    throw new InvalidSecretError("A signing secret starting with whsec_ must be followed by base64");
  }
  if (key.byteLength === 0) throw new InvalidSecretError("The signing secret is empty");
  return key;
}

async function hmacSha256(key: Uint8Array, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The headers that make a delivery verifiable by any Standard Webhooks receiver; unsigned when `key` is undefined. */
export async function standardWebhookHeaders(
  id: string,
  timestampSeconds: number,
  body: string,
  key: Uint8Array | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { "webhook-id": id, "webhook-timestamp": String(timestampSeconds) };
  if (key) headers["webhook-signature"] = `v1,${base64(await hmacSha256(key, `${id}.${timestampSeconds}.${body}`))}`;
  return headers;
}

/** The original FlowRunner signature: hex HMAC-SHA256 of the body alone, keyed by the secret's UTF-8 bytes. */
export const legacySignature = async (secret: string, body: string): Promise<string> => hex(await hmacSha256(encoder.encode(secret), body));
