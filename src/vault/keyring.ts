import { base64UrlDecode, base64UrlEncode } from "../lib/encoding";

/**
 * Master keys wrap each account's data key. Several may be configured at
 * once so the active one can change while data keys wrapped by older ones
 * still open; `kid` travels with every wrapped key.
 */
export interface Keyring {
  activeKid: string;
  keys: Map<string, CryptoKey>;
  /** True when no master key was configured and the development key is in use. */
  development: boolean;
}

export class VaultConfigError extends Error {
  override readonly name = "VaultConfigError";
}

// Only used when VAULT_MASTER_KEYS is unset, which the service announces loudly.
const DEV_KEY = "Zmxvd3J1bm5lci1kZXYtb25seS12YXVsdC1rZXktMzI"; // 32 bytes, base64url

/**
 * Reads `kid:base64key,kid:base64key` (each key 32 random bytes, base64 or
 * base64url) and the active key id. The active id defaults to the last key listed.
 */
export async function loadKeyring(spec: string | undefined, activeKid: string | undefined): Promise<Keyring> {
  const development = !spec;
  const entries = (spec || `dev:${DEV_KEY}`)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const keys = new Map<string, CryptoKey>();
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    const kid = entry.slice(0, colon);
    if (colon < 1 || !/^[A-Za-z0-9._-]{1,32}$/.test(kid))
      throw new VaultConfigError(`VAULT_MASTER_KEYS entry '${kid || entry.slice(0, 8)}…' must look like <kid>:<base64 key>`);
    let raw: Uint8Array;
    try {
      raw = base64UrlDecode(
        entry
          .slice(colon + 1)
          .replaceAll("+", "-")
          .replaceAll("/", "_")
          .replace(/=+$/, ""),
      );
    } catch {
      throw new VaultConfigError(`VAULT_MASTER_KEYS key '${kid}' is not base64`);
    }
    if (raw.length !== 32) throw new VaultConfigError(`VAULT_MASTER_KEYS key '${kid}' must be 32 bytes, not ${raw.length}`);
    keys.set(kid, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  const active = activeKid || [...keys.keys()].at(-1)!;
  if (!keys.has(active)) throw new VaultConfigError(`VAULT_ACTIVE_KEY_ID '${active}' is not one of the VAULT_MASTER_KEYS ids`);
  return { activeKid: active, keys, development };
}

/** Whether `spec` leaves the vault on the public development key: unset, or listing that key itself. */
export function usesDevelopmentKey(spec: string | undefined): boolean {
  return !spec?.trim() || spec.includes(DEV_KEY);
}

/** A fresh 32-byte key as base64url, for `kid:key` configuration. */
export function generateMasterKey(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
}
