/**
 * The account's key-value store over HTTP (/api/v1/store): the same stores the `store` node uses, always
 * the caller's own account. The port's failures become 4xx answers here.
 */
import { AppError, badRequest } from "../errors";
import { NodeError } from "../engine/outcome";
import { parseDuration } from "../lib/duration";
import { DEFAULT_NAMESPACE, type KeyValueStore } from "../nodes/capabilities/kv";
import type { StoreDeleteView, StoreEntryView, StoreKeyPageView, StorePutBody, StoreWriteView } from "./store-schemas";

export class StoreService {
  constructor(private readonly stores: (accountId: string) => KeyValueStore) {}

  async get(accountId: string, key: string, namespace = DEFAULT_NAMESPACE): Promise<StoreEntryView> {
    const entry = await this.call(() => this.space(accountId, namespace).getEntry(key));
    if (entry === undefined) throw new AppError(404, "not_found", `No key '${key}' in the store`, { key, namespace });
    const expires_at = entry.expiresAt === null ? null : new Date(entry.expiresAt).toISOString();
    return { key, namespace, value: entry.value, version: entry.version, expires_at };
  }

  async put(accountId: string, key: string, body: StorePutBody, namespace = DEFAULT_NAMESPACE): Promise<StoreWriteView> {
    const ttlMs = body.ttl === undefined ? undefined : parseDuration(body.ttl);
    if (ttlMs === undefined && body.ttl !== undefined)
      throw badRequest(`ttl '${body.ttl}' is not a duration (seconds, or e.g. "90s", "1h")`);
    const { version } = await this.call(() =>
      this.space(accountId, namespace).set(key, body.value, {
        ...(ttlMs === undefined ? {} : { ttlMs }),
        ...(body.if_version === undefined ? {} : { ifVersion: body.if_version }),
      }),
    );
    return { key, namespace, version };
  }

  async delete(accountId: string, key: string, namespace = DEFAULT_NAMESPACE): Promise<StoreDeleteView> {
    const deleted = await this.call(() => this.space(accountId, namespace).delete(key));
    return { key, namespace, deleted };
  }

  async list(
    accountId: string,
    options: { prefix?: string; cursor?: string; limit: number; namespace?: string },
  ): Promise<StoreKeyPageView> {
    const { namespace = DEFAULT_NAMESPACE, ...page } = options;
    const { keys, cursor } = await this.call(() => this.space(accountId, namespace).list(page));
    return { keys, next_cursor: cursor };
  }

  private space(accountId: string, namespace: string): KeyValueStore {
    return this.stores(accountId).namespace(namespace);
  }

  /** Runs a store call, answering its refusals as client errors. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof NodeError) || error.retryable) throw error;
      if (error.code === "version_conflict") throw new AppError(412, "precondition_failed", error.message, error.details);
      if (error.code === "store_full") throw new AppError(409, "conflict", error.message, error.details);
      throw badRequest(error.message, { reason: error.code });
    }
  }
}
