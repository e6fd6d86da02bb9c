const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random, unguessable identifiers: a readable prefix and 128 bits of randomness in base36. */
export function newId(prefix: "acc" | "flw" | "tok" | "exe" | "sec" | "whk" | "aud" | "dlv" | "trg" | "msg" | "opr"): string {
  return `${prefix}_${randomToken(25)}`;
}

/** `length` characters of base36 drawn by rejection sampling, so every character is uniform. */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 252 && out.length < length) out += ALPHABET[b % 36];
    }
  }
  return out;
}

/**
 * An id derived from `material` with a keyed hash: the same material always
 * gives the same id (so retries are idempotent), yet nobody without the key
 * can predict it.
 */
export async function derivedId(prefix: "exe" | "msg", key: string, material: string): Promise<string> {
  const hmacKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const digest = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(material)));
  let out = "";
  for (const b of digest) {
    if (out.length === 25) break;
    out += ALPHABET[b % 36];
  }
  return `${prefix}_${out}`;
}
