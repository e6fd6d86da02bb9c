import { base64UrlDecode, base64UrlEncode, utf8 } from "../lib/encoding";
import type { Keyring } from "./keyring";

/**
 * Envelope encryption with AES-256-GCM: values are sealed with the account's
 * data key, and the data key is sealed with a master key. Every ciphertext is
 * bound to where it belongs through additional authenticated data, so a
 * value copied to another account or secret name does not open.
 */

export interface WrappedKey {
  kid: string;
  wrapped: string;
}

export class VaultCryptoError extends Error {
  override readonly name = "VaultCryptoError";
}

async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(aad) }, key, plaintext);
  return `${base64UrlEncode(iv)}.${base64UrlEncode(new Uint8Array(ct))}`;
}

async function open(key: CryptoKey, sealed: string, aad: string): Promise<Uint8Array> {
  const [iv, ct] = sealed.split(".");
  if (!iv || !ct) throw new VaultCryptoError("Malformed ciphertext");
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-GCM", iv: base64UrlDecode(iv), additionalData: utf8(aad) }, key, base64UrlDecode(ct)),
    );
  } catch {
    throw new VaultCryptoError("Ciphertext does not open with this key (wrong key, or tampered)");
  }
}

/** A new data key for an account, returned both usable and wrapped by the active master key. */
export async function newDataKey(keyring: Keyring, accountId: string): Promise<{ key: CryptoKey; wrapped: WrappedKey }> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const wrapped = await wrapRaw(keyring, raw, accountId);
  return { key: await importDataKey(raw), wrapped };
}

export async function unwrapDataKey(keyring: Keyring, wrapped: WrappedKey, accountId: string): Promise<CryptoKey> {
  return importDataKey(await unwrapRaw(keyring, wrapped, accountId));
}

/** Re-seals a data key under the active master key; the data key itself, and so every secret, is unchanged. */
export async function rewrapDataKey(keyring: Keyring, wrapped: WrappedKey, accountId: string): Promise<WrappedKey> {
  return wrapRaw(keyring, await unwrapRaw(keyring, wrapped, accountId), accountId);
}

export async function encryptValue(dataKey: CryptoKey, plaintext: string, aad: string): Promise<string> {
  return seal(dataKey, utf8(plaintext), aad);
}

export async function decryptValue(dataKey: CryptoKey, sealed: string, aad: string): Promise<string> {
  return new TextDecoder().decode(await open(dataKey, sealed, aad));
}

async function wrapRaw(keyring: Keyring, raw: Uint8Array, accountId: string): Promise<WrappedKey> {
  const master = keyring.keys.get(keyring.activeKid)!;
  return { kid: keyring.activeKid, wrapped: await seal(master, raw, `datakey:${accountId}`) };
}

async function unwrapRaw(keyring: Keyring, wrapped: WrappedKey, accountId: string): Promise<Uint8Array> {
  const master = keyring.keys.get(wrapped.kid);
  if (!master) throw new VaultCryptoError(`Master key '${wrapped.kid}' is not configured; it is still needed until rotation finishes`);
  return open(master, wrapped.wrapped, `datakey:${accountId}`);
}

const importDataKey = (raw: Uint8Array) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
