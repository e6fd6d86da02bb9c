import type { SecretRecord, SecretStore } from "../storage/types";
import { decryptValue, encryptValue, newDataKey, rewrapDataKey, unwrapDataKey } from "./envelope";
import type { Keyring } from "./keyring";

/**
 * Seals and opens secret values for accounts. Data keys are unwrapped at most
 * once per vault instance; one wrapped by an older master key is re-wrapped
 * under the active one the first time it is used.
 */
export class Vault {
  private readonly dataKeys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly store: SecretStore,
    private readonly keyring: () => Promise<Keyring>,
  ) {}

  /** Encrypts a value for `accountId`/`key`; the ciphertext opens nowhere else. */
  async seal(accountId: string, key: string, plaintext: string): Promise<string> {
    return encryptValue(await this.dataKey(accountId), plaintext, aad(accountId, key));
  }

  async open(record: Pick<SecretRecord, "account_id" | "key" | "ciphertext">): Promise<string> {
    return decryptValue(await this.dataKey(record.account_id), record.ciphertext, aad(record.account_id, record.key));
  }

  /**
   * Re-wraps, in pages of `pageSize`, every data key still under an older
   * master key. Secrets themselves are untouched: only their data keys'
   * wrapping changes. Keys whose master key is not configured are counted,
   * not fatal, so one missing key cannot stall the rest.
   */
  async rotate(pageSize = 100): Promise<{ rewrapped: number; unreadable: string[] }> {
    const keyring = await this.keyring();
    let rewrapped = 0;
    const unreadable: string[] = [];
    let after = "";
    for (;;) {
      const stale = await this.store.dataKeysNotWrappedBy(keyring.activeKid, pageSize, after);
      for (const record of stale) {
        if (!keyring.keys.has(record.kid)) {
          unreadable.push(record.account_id);
          continue;
        }
        const next = await rewrapDataKey(keyring, record, record.account_id);
        if (await this.store.rewrapDataKey({ ...record, ...next, updated_at: new Date().toISOString() }, record.kid)) rewrapped++;
      }
      if (stale.length < pageSize) return { rewrapped, unreadable };
      after = stale.at(-1)!.account_id;
    }
  }

  private dataKey(accountId: string): Promise<CryptoKey> {
    let key = this.dataKeys.get(accountId);
    if (!key) {
      key = this.loadDataKey(accountId);
      key.catch(() => this.dataKeys.delete(accountId));
      this.dataKeys.set(accountId, key);
    }
    return key;
  }

  private async loadDataKey(accountId: string): Promise<CryptoKey> {
    const keyring = await this.keyring();
    const stored = await this.store.getDataKey(accountId);
    if (stored) {
      const key = await unwrapDataKey(keyring, stored, accountId);
      if (stored.kid !== keyring.activeKid) {
        const next = await rewrapDataKey(keyring, stored, accountId);
        await this.store.rewrapDataKey({ ...stored, ...next, updated_at: new Date().toISOString() }, stored.kid);
      }
      return key;
    }
    const created = await newDataKey(keyring, accountId);
    const now = new Date().toISOString();
    const kept = await this.store.putDataKeyIfAbsent({ account_id: accountId, ...created.wrapped, created_at: now, updated_at: now });
    // Another request may have created the account's key first; theirs is the one.
    return kept.wrapped === created.wrapped.wrapped ? created.key : unwrapDataKey(keyring, kept, accountId);
  }
}

const aad = (accountId: string, key: string) => `secret:${accountId}:${key}`;
