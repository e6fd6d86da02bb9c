/**
 * Creates the FlowRunner DynamoDB table (PK/SK and GSI1-3, on-demand billing)
 * unless it exists, and waits until it is ACTIVE.
 *
 *   DYNAMODB_REGION=eu-west-1 DYNAMODB_TABLE=flowrunner AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
 *     npm run dynamodb:create-table
 *
 * DYNAMODB_ENDPOINT overrides the regional endpoint (e.g. http://127.0.0.1:8000
 * for `npm run dynamodb:local`, where any key works).
 */
import { storageSettings, StorageConfigError } from "../src/storage/settings";
import { DynamoClient } from "../src/lib/dynamodb/client";
import { ensureTable } from "../src/storage/dynamodb/table";

try {
  const settings = storageSettings({ ...process.env, STORAGE_PROVIDER: "dynamodb" });
  if (settings.provider !== "dynamodb") throw new Error("unreachable");
  const created = await ensureTable(new DynamoClient(settings));
  console.log(`${created ? "Created" : "Found"} table ${settings.table} at ${settings.endpoint}; it is ACTIVE`);
} catch (error) {
  console.error(error instanceof StorageConfigError ? error.message : error);
  process.exitCode = 1;
}
