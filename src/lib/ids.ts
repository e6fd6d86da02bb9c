const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random, unguessable identifiers: a readable prefix and 128 bits of randomness in base36. */
export function newId(prefix: "acc" | "flw" | "tok" | "exe" | "sec" | "sch" | "whk"): string {
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
