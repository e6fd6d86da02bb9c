/** `dynamodb`: key-value operations on a DynamoDB table. */
import { z } from "zod";
import { jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";
import { KEY_VALUE_REQUIREMENTS, keyValue } from "../store/spec";

export const DYNAMODB_OPERATIONS = ["get", "set", "delete", "list", "query", "batch_write"] as const;

export const dynamodb = defineNodeType({
  type: "dynamodb",
  notRunnable: "DynamoDB calls are not available on this server yet",
  description: "Key-value operations on a DynamoDB table (hash key 'key'), through signed requests to the DynamoDB API.",
  actions: ["default"],
  params: {
    operation: z.enum(DYNAMODB_OPERATIONS).describe(DYNAMODB_OPERATIONS.join(", ")),
    region: z.string().optional().describe("AWS region (default us-east-1)"),
    access_key: z.string().optional().describe('AWS access key id, usually "${secrets.AWS_ACCESS_KEY_ID}"'),
    secret_key: z.string().optional().describe("AWS secret access key"),
    table_name: z.string().min(1).optional().describe("Table (default flowrunner_store)"),
    endpoint: z.string().optional().describe("API endpoint override (e.g. DynamoDB Local)"),
    ...keyValue("get, set, delete", "set"),
    items: z.array(jsonValue).min(1).optional().describe("batch_write: [{key, value}]"),
  },
  crossCheck: (params) => requiredBySelector(params, "operation", undefined, { ...KEY_VALUE_REQUIREMENTS, batch_write: ["items"] }),
});
