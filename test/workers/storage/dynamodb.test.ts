import { inject } from "vitest";
import { createDynamoStorage } from "../../../src/storage/dynamodb";
import { describeStorageConformance } from "./conformance";

// dynalite with the transaction front (scripts/dynamodb-local.mjs), in the run's own table (test/storage-setup.ts).
const { dynamodb } = inject("storageServices");

describeStorageConformance("DynamoDB", "skip" in dynamodb ? dynamodb : () => ({ storage: createDynamoStorage(dynamodb) }));
