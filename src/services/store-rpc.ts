/**
 * What a store object (one per account and namespace, src/objects/store/) answers over RPC. Values
 * cross as their JSON text, the form the object stores; failures come back as data, since an error
 * thrown across the boundary loses its code.
 */
import type { KeyValuePage } from "../nodes/capabilities/kv";

export type StoreFailure = { ok: false; code: string; message: string; details: Record<string, string | number | null> | null };
export type StoreAnswer<T> = { ok: true; value: T } | StoreFailure;

export interface StoredEntry {
  json: string;
  version: number;
  expiresAt: number | null;
}

export interface StoreQueryRequest {
  prefix: string;
  cursor: string | null;
  limit: number | null;
  sort: string | null;
  /** The filter as JSON text, or null for none. */
  filter: string | null;
}

export interface StoreQueryPage {
  items: { key: string; json: string }[];
  cursor: string | null;
}

/**
 * Writes take a request id last (null for none): see KeyValueWriteOptions.requestId.
 */
export interface StoreRpc {
  get(key: string): Promise<StoreAnswer<StoredEntry | null>>;
  /** The key's new version. */
  set(key: string, json: string, ttlMs: number | null, ifVersion: number | null, requestId: string | null): Promise<StoreAnswer<number>>;
  delete(key: string, requestId: string | null): Promise<StoreAnswer<boolean>>;
  list(prefix: string, cursor: string | null, limit: number | null): Promise<StoreAnswer<KeyValuePage>>;
  query(request: StoreQueryRequest): Promise<StoreAnswer<StoreQueryPage>>;
  increment(key: string, by: number, requestId: string | null): Promise<StoreAnswer<number>>;
  /** The list's new length. */
  append(key: string, json: string, requestId: string | null): Promise<StoreAnswer<number>>;
}
