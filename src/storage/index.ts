import { createD1Storage } from "./d1";
import { createDynamoStorage } from "./dynamodb";
import { createPostgresStorage } from "./postgres";
import { storageSettings, type StorageEnv } from "./settings";
import type { Storage } from "./types";

export { STORAGE_PROVIDERS, StorageConfigError, storageSettings, type StorageEnv, type StorageSettings } from "./settings";

export interface StorageOptions {
  /** Keeps the request alive for background work (Postgres: closing idle connections). */
  defer?: ((work: Promise<unknown>) => void) | undefined;
  /**
   * Most connections a Postgres pool opens at once (4 by default). A Durable Object's account-database
   * work is a few sequential writes, and every object has its own pool: objects take 1, so a burst of
   * runs finishing together opens one connection each, not four (a PostgreSQL without a pooler in
   * front, such as a local one, allows 100 in all).
   */
  connections?: number | undefined;
}

/** The configured storage provider. */
export function createStorage(env: StorageEnv, options: StorageOptions = {}): Storage {
  const settings = storageSettings(env);
  switch (settings.provider) {
    case "d1":
      return createD1Storage(settings.db);
    case "postgres":
      return createPostgresStorage(settings, { defer: options.defer, max: options.connections });
    case "dynamodb":
      return createDynamoStorage(settings);
  }
}
