/**
 * `dynamodb`: the user's own tables through signed requests sent with `ctx.http`. Reads are pure
 * steps; writes have effects. Conditions that do not hold finish with `condition_failed` rather
 * than failing the step: a flow branches on them.
 */
import type { NodeOutcome } from "../../engine/outcome";
import { isConditionFailure, isTransactionConditionFailure } from "../../lib/dynamodb/client";
import { defineNode, done } from "../define";
import { connect, toNodeError, type DynamoContext } from "./connection";
import { DEFAULT_KV_TABLE, keyValueOperation } from "./key-value";
import { nativeOperation } from "./native";
import { DYNAMODB_KEY_VALUE_OPERATIONS, DYNAMODB_READS, dynamodb, type DynamoOperation } from "./spec";

const KEY_VALUE: ReadonlySet<DynamoOperation> = new Set(DYNAMODB_KEY_VALUE_OPERATIONS);

export const dynamodbNode = defineNode({
  spec: dynamodb,
  sideEffects: (params) => !DYNAMODB_READS.has(params.operation),
  run: (ctx) => runOperation(ctx),
});

export async function runOperation(ctx: DynamoContext): Promise<NodeOutcome> {
  const { operation } = ctx.params;
  const keyValue = KEY_VALUE.has(operation);
  const table = ctx.params.table_name ?? (keyValue ? DEFAULT_KV_TABLE : "");
  const connection = await connect(ctx, table);
  try {
    const outcome = await (keyValue ? keyValueOperation(ctx, connection.client) : nativeOperation(ctx, connection.client));
    ctx.log("debug", `dynamodb ${operation} on ${table || "several tables"} → ${outcome.kind === "done" ? outcome.action : outcome.kind}`);
    return outcome;
  } catch (error) {
    if (isConditionFailure(error)) return done({ condition_failed: true }, "condition_failed");
    if (isTransactionConditionFailure(error)) {
      return done({ condition_failed: true, reasons: error.cancellationReasons.map((r) => r.Code) }, "condition_failed");
    }
    throw toNodeError(error, connection);
  }
}
