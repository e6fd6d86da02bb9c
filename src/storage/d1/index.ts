import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Storage } from "../types";
import { D1AccountStore } from "./accounts";
import { D1AuditLog } from "./audit";
import { D1ExecutionIndex } from "./executions";
import { D1FlowStore } from "./flows";
import { D1PluginStore } from "./plugins";
import { D1SecretStore } from "./secrets";
import { D1TokenStore } from "./tokens";
import { D1TriggerStore } from "./triggers";
import { D1WebhookSubscriptionStore } from "./webhooks";

export type D1Db = DrizzleD1Database<Record<string, never>>;

// The stores hold nothing but the binding, which lives as long as the isolate: one set serves every request.
const byDatabase = new WeakMap<D1Database, Storage>();

export function createD1Storage(database: D1Database): Storage {
  let storage = byDatabase.get(database);
  if (!storage) {
    storage = storesFor(drizzle(database));
    byDatabase.set(database, storage);
  }
  return storage;
}

function storesFor(db: D1Db): Storage {
  return {
    accounts: new D1AccountStore(db),
    tokens: new D1TokenStore(db),
    flows: new D1FlowStore(db),
    executions: new D1ExecutionIndex(db),
    secrets: new D1SecretStore(db),
    audit: new D1AuditLog(db),
    triggers: new D1TriggerStore(db),
    webhooks: new D1WebhookSubscriptionStore(db),
    plugins: new D1PluginStore(db),
  };
}
