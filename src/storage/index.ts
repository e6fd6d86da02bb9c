import { createD1Storage } from "./d1";
import { createDynamoStorage } from "./dynamodb";
import { createPostgresStorage } from "./postgres";
import { storageSettings, type StorageEnv } from "./settings";
import type { Storage } from "./types";

export { STORAGE_PROVIDERS, StorageConfigError, storageSettings, type StorageEnv, type StorageSettings } from "./settings";

export interface StorageOptions {
  /** Keeps the request alive for background work (Postgres: closing idle connections). */
  defer?: ((work: Promise<unknown>) => void) | undefined;
}

/** The configured storage provider. */
export function createStorage(env: StorageEnv, options: StorageOptions = {}): Storage {
  const settings = storageSettings(env);
  switch (settings.provider) {
    case "d1":
      return createD1Storage(settings.db);
    case "postgres":
      return createPostgresStorage(settings, { defer: options.defer });
    case "dynamodb":
      return createDynamoStorage(settings);
  }
}
