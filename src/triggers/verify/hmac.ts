/** HMAC checks with WebCrypto: `crypto.subtle.verify` compares in constant time. */
import { decodeBase64, decodeHex } from "../../lib/encoding";

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";
export type SignatureEncoding = "hex" | "base64";

const HASH: Record<HmacAlgorithm, string> = { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" };

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export function decodeSignature(text: string, encoding: SignatureEncoding): Uint8Array | undefined {
  const bytes = encoding === "hex" ? decodeHex(text) : decodeBase64(text);
  return bytes && bytes.byteLength > 0 ? bytes : undefined;
}

/** Whether any of `signatures` is the HMAC of `data` under `key`. */
export async function anyHmacMatches(
  algorithm: HmacAlgorithm,
  key: Uint8Array,
  data: Uint8Array,
  signatures: readonly Uint8Array[],
): Promise<boolean> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: HASH[algorithm] }, false, ["verify"]);
  let matched = false;
  // Every candidate is checked, so the time taken does not say which one matched.
  for (const signature of signatures) {
    if (await crypto.subtle.verify("HMAC", cryptoKey, signature, data)) matched = true;
  }
  return matched;
}
