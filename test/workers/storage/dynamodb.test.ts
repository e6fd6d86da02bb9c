import { expect, inject, it } from "vitest";
import { createDynamoStorage } from "../../../src/storage/dynamodb";
import { DynamoClient } from "../../../src/lib/dynamodb/client";
import { keys } from "../../../src/storage/dynamodb/keys";
import { createAccount, flowPair } from "./conformance-kit";
import { describeStorageConformance } from "./conformance";

// dynalite with the transaction front (scripts/dynamodb-local.mjs), in the run's own table (test/storage-setup.ts).
const { dynamodb } = inject("storageServices");

describeStorageConformance("DynamoDB", "skip" in dynamodb ? dynamodb : () => ({ storage: createDynamoStorage(dynamodb) }));

it.skipIf("skip" in dynamodb)("DynamoDB: a flow head written before the trigger switch existed reads as enabled", async () => {
  if ("skip" in dynamodb) return;
  const storage = createDynamoStorage(dynamodb);
  const owner = await createAccount(storage);
  const [flow, version] = flowPair(owner.id, { enabled: false });
  await storage.flows.create(flow, version, []);
  // Heads saved before the switch have no `enabled` attribute.
  await new DynamoClient(dynamodb).send("UpdateItem", {
    TableName: dynamodb.table,
    Key: keys.flow(flow.id),
    UpdateExpression: "REMOVE enabled",
  });
  expect(await storage.flows.get(owner.id, flow.id)).toEqual({ ...flow, enabled: true });
});
