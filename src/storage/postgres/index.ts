import type { Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { Storage } from "../types";
import { PostgresAccountStore } from "./accounts";
import { PostgresAuditLog } from "./audit";
import { createPool, type PoolOptions, type PostgresSettings } from "./connection";
import { PostgresExecutionIndex } from "./executions";
import { PostgresFlowStore } from "./flows";
import { PostgresSecretStore } from "./secrets";
import { PostgresTokenStore } from "./tokens";
import { PostgresTriggerStore } from "./triggers";
import { PostgresWebhookSubscriptionStore } from "./webhooks";
import { PostgresPluginStore } from "./plugins";

export type PgDb = NeonDatabase<Record<string, never>>;
export type { PoolOptions, PostgresSettings };

/** Storage on PostgreSQL (Neon, or any PostgreSQL behind a WebSocket relay). */
export function createPostgresStorage(settings: PostgresSettings, options: PoolOptions = {}): Storage & { pool: Pool } {
  const pool = createPool(settings, options);
  const db: PgDb = drizzle({ client: pool });
  return {
    pool,
    accounts: new PostgresAccountStore(db),
    tokens: new PostgresTokenStore(db),
    flows: new PostgresFlowStore(db),
    executions: new PostgresExecutionIndex(db),
    secrets: new PostgresSecretStore(db),
    audit: new PostgresAuditLog(db),
    triggers: new PostgresTriggerStore(db),
    webhooks: new PostgresWebhookSubscriptionStore(db),
    plugins: new PostgresPluginStore(db),
  };
}
