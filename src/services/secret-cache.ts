import type { SecretResolver } from "../expressions";
import type { JsonValue } from "../lib/json";
import { asError, log } from "../lib/log";

/**
 * How long a run re-uses a secret it read from the vault. A rotation or deletion reaches a running
 * run within this time (at its first read after it), and a new run at once; see docs/security.md.
 */
export const SECRET_CACHE_TTL_MS = 60_000;
/** A run records a secret's use (`last_used_at`) at most this often: its precision. */
export const SECRET_TOUCH_INTERVAL_MS = 60_000;
/** Decrypted text one cache keeps at most (characters); values past it are read each time, not kept. */
export const SECRET_CACHE_MAX_CHARS = 1 << 20;

/** Where secret values come from and where their use is recorded: the account's vault. */
export interface SecretSource {
  /** The decrypted value (JSON text) of each of `names` the account has, or of all its secrets. */
  read(accountId: string, names: readonly string[] | "all"): Promise<Map<string, string>>;
  /** Records that the secrets were used at `at` (ms since the epoch). */
  touch(accountId: string, names: readonly string[], at: number): Promise<void>;
}

export interface SecretCacheOptions {
  now: () => number;
  /** Keeps work going after the caller has moved on (the object's waitUntil): the use records. */
  defer: (work: Promise<unknown>) => void;
  ttlMs?: number;
  touchIntervalMs?: number;
  maxChars?: number;
}

interface Entry {
  /** The value's text, or undefined once its read found no such secret. */
  text: Promise<string | undefined>;
  expires: number;
  /** Characters counted against the cache's bound (0 while the read is under way). */
  chars: number;
}

interface AccountCache {
  entries: Map<string, Entry>;
  /** When this cache last recorded each secret's use. */
  touched: Map<string, number>;
}

/**
 * Decrypted secrets of the runs one execution object drives, per account and name, so the steps of
 * a run read and decrypt each secret once a minute instead of once per step, and record its use at
 * most as often. Absence is not kept: a secret created during a run is found by its next read. Reads
 * of the same names at the same time share one vault read. `fresh` resolvers (a retried attempt) read
 * the vault whatever is kept, and keep what they read.
 */
export class SecretCache {
  /** Vault reads and use records made so far; observable by tests and metrics, never values. */
  readonly stats = { reads: 0, touches: 0 };
  private readonly accounts = new Map<string, AccountCache>();
  private chars = 0;
  private readonly ttlMs: number;
  private readonly touchIntervalMs: number;
  private readonly maxChars: number;

  constructor(
    private readonly source: SecretSource,
    private readonly options: SecretCacheOptions,
  ) {
    this.ttlMs = options.ttlMs ?? SECRET_CACHE_TTL_MS;
    this.touchIntervalMs = options.touchIntervalMs ?? SECRET_TOUCH_INTERVAL_MS;
    this.maxChars = options.maxChars ?? SECRET_CACHE_MAX_CHARS;
  }

  resolver(accountId: string, options: { fresh?: boolean } = {}): SecretResolver {
    return { resolve: (names) => this.resolve(accountId, names, options.fresh === true) };
  }

  private async resolve(accountId: string, names: readonly string[] | "all", fresh: boolean): Promise<Record<string, JsonValue>> {
    const account = this.account(accountId);
    const now = this.options.now();
    this.prune(account, now);
    let texts: [string, string | undefined][];
    if (names === "all") {
      // Which secrets exist is not kept, so dynamic access (`secrets[k]`) reads them all each time.
      texts = [...(await this.read(accountId, account, "all", now))];
    } else {
      const missing = fresh ? names : names.filter((name) => !account.entries.has(name));
      // A failed read reaches the callers through the entries it placed.
      if (missing.length > 0) this.read(accountId, account, missing, now).catch(() => undefined);
      // Taken now (every name has an entry): one may be replaced or dropped while its value is awaited.
      const values = await Promise.all(names.map((name) => account.entries.get(name)!.text));
      texts = names.map((name, i) => [name, values[i]]);
    }
    const out: Record<string, JsonValue> = {};
    // Parsed per call, so no caller can change what another one gets.
    for (const [name, text] of texts) if (text !== undefined) out[name] = JSON.parse(text) as JsonValue;
    return out;
  }

  /** One vault read, kept (for the names it found) and recorded as a use. */
  private read(accountId: string, account: AccountCache, names: readonly string[] | "all", now: number): Promise<Map<string, string>> {
    this.stats.reads++;
    const read = this.source.read(accountId, names);
    const expires = now + this.ttlMs;
    const placed = new Map<string, Entry>();
    if (names !== "all") {
      for (const name of names) {
        const text = read.then((found) => found.get(name));
        // Awaited by whoever asks; a failed read reaches them, and is no unhandled rejection here.
        text.catch(() => undefined);
        const entry: Entry = { text, expires, chars: 0 };
        this.drop(account, name);
        account.entries.set(name, entry);
        placed.set(name, entry);
      }
    }
    read.then(
      (found) => {
        for (const [name, entry] of placed) if (!found.has(name) && account.entries.get(name) === entry) this.drop(account, name);
        if (names === "all") {
          // A secret the vault no longer has is not kept either.
          for (const name of account.entries.keys()) if (!found.has(name)) this.drop(account, name);
        }
        for (const [name, text] of found) {
          let entry = placed.get(name);
          if (!entry) {
            entry = { text: Promise.resolve(text), expires, chars: 0 };
            this.drop(account, name);
            account.entries.set(name, entry);
          }
          if (account.entries.get(name) !== entry) continue;
          if (this.chars + text.length > this.maxChars) this.drop(account, name);
          else {
            entry.chars = text.length;
            this.chars += text.length;
          }
        }
        this.touch(accountId, account, [...found.keys()]);
      },
      () => {
        for (const [name, entry] of placed) if (account.entries.get(name) === entry) this.drop(account, name);
      },
    );
    return read;
  }

  /** Records the use of the secrets whose last record by this cache is older than the interval, off the caller's path. */
  private touch(accountId: string, account: AccountCache, names: string[]): void {
    const now = this.options.now();
    const due = names.filter((name) => now - (account.touched.get(name) ?? -Infinity) >= this.touchIntervalMs);
    if (due.length === 0) return;
    for (const name of due) account.touched.set(name, now);
    this.stats.touches++;
    this.options.defer(
      this.source
        .touch(accountId, due, now)
        .catch((error: unknown) => log.error("recording the use of secrets failed", { account_id: accountId, error: asError(error) })),
    );
  }

  /** Expired values leave memory at the next call, not only when they are next asked for. */
  private prune(account: AccountCache, now: number): void {
    for (const [name, entry] of account.entries) if (entry.expires <= now) this.drop(account, name);
  }

  private drop(account: AccountCache, name: string): void {
    const entry = account.entries.get(name);
    if (!entry) return;
    this.chars -= entry.chars;
    account.entries.delete(name);
  }

  private account(accountId: string): AccountCache {
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { entries: new Map(), touched: new Map() };
      this.accounts.set(accountId, account);
    }
    return account;
  }
}
