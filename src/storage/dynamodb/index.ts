import type { Storage } from "../types";
import { DynamoAccountStore } from "./accounts";
import { DynamoAuditLog } from "./audit";
import { DynamoClient, type DynamoSettings } from "../../lib/dynamodb/client";
import { DynamoExecutionIndex } from "./executions";
import { DynamoFlowStore } from "./flows";
import { DynamoSecretStore } from "./secrets";
import { DynamoTokenStore } from "./tokens";
import { DynamoTriggerStore } from "./triggers";
import { DynamoWebhookSubscriptionStore } from "./webhooks";
import { DynamoPluginStore } from "./plugins";

export type { DynamoSettings };

/** Storage on one DynamoDB table (see keys.ts and docs/storage.md for the key design). */
export function createDynamoStorage(settings: DynamoSettings): Storage {
  const client = new DynamoClient(settings);
  const flows = new DynamoFlowStore(client);
  return {
    accounts: new DynamoAccountStore(client),
    tokens: new DynamoTokenStore(client, flows),
    flows,
    executions: new DynamoExecutionIndex(client),
    secrets: new DynamoSecretStore(client),
    audit: new DynamoAuditLog(client),
    triggers: new DynamoTriggerStore(client),
    webhooks: new DynamoWebhookSubscriptionStore(client),
    plugins: new DynamoPluginStore(client),
  };
}
