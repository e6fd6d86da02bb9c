// A local DynamoDB for development and tests: dynalite (in memory) behind a
// small front server that adds TransactWriteItems, which dynalite lacks.
//
// The emulation runs a transaction's writes one by one, each with its own
// condition, while every other request waits; when a condition fails it
// undoes the writes already made (from their ALL_OLD images) and answers
// TransactionCanceledException with one reason per item, as DynamoDB does.
// DynamoDB forbids two operations on one item in a transaction, so checking
// conditions in sequence sees the same state as checking them all up front.
//
// Run alone:  node scripts/dynamodb-local.mjs [port]     (default 8000)
// Then:       DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm run dynamodb:create-table
import { Buffer } from "node:buffer";
import http from "node:http";
import { pathToFileURL } from "node:url";
import dynalite from "dynalite";

const TRANSACT_LIMIT_ITEMS = 100;
const TRANSACT_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ endpoint: string, port: number, close: () => Promise<void> }>}
 */
export async function startDynamoLocal({ port = 0, host = "127.0.0.1" } = {}) {
  const inner = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve) => inner.listen(0, "127.0.0.1", resolve));
  const innerUrl = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (inner.address()).port}`;
  const keySchemas = new Map();
  let queue = Promise.resolve();
  /** Runs requests one at a time, so a transaction is never seen half done. */
  const serial = (work) => {
    const run = queue.then(work, work);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  const forward = async (headers, body) => {
    const response = await fetch(innerUrl, { method: "POST", headers, body });
    return {
      status: response.status,
      type: response.headers.get("content-type") ?? "application/x-amz-json-1.0",
      text: await response.text(),
    };
  };
  const call = async (headers, operation, input) => {
    const result = await forward({ ...headers, "x-amz-target": `DynamoDB_20120810.${operation}` }, JSON.stringify(input));
    const body = result.text ? JSON.parse(result.text) : {};
    return { ok: result.status === 200, status: result.status, body };
  };
  const keyOf = async (headers, table, item) => {
    if (!keySchemas.has(table)) {
      const described = await call(headers, "DescribeTable", { TableName: table });
      if (!described.ok) return null;
      keySchemas.set(
        table,
        described.body.Table.KeySchema.map((k) => k.AttributeName),
      );
    }
    return Object.fromEntries(keySchemas.get(table).map((name) => [name, item[name]]));
  };

  async function transactWrite(headers, input) {
    const items = input.TransactItems ?? [];
    if (items.length === 0 || items.length > TRANSACT_LIMIT_ITEMS) {
      return validation(`TransactItems must have between 1 and ${TRANSACT_LIMIT_ITEMS} items`);
    }
    if (JSON.stringify(input).length > TRANSACT_LIMIT_BYTES) return validation("Transaction request size exceeds 4 MB");
    const steps = [];
    const seen = new Set();
    for (const entry of items) {
      const [kind, op] = Object.entries(entry)[0] ?? [];
      const key = kind === "Put" ? await keyOf(headers, op.TableName, op.Item) : op?.Key;
      if (!key) return validation(`Unsupported transaction item ${JSON.stringify(entry).slice(0, 80)}`);
      const id = `${op.TableName} ${JSON.stringify(key)}`;
      if (seen.has(id)) return validation("Transaction request cannot include multiple operations on one item");
      seen.add(id);
      steps.push({ kind, op, key });
    }
    const done = [];
    const reasons = [];
    let failed = false;
    let error = null;
    for (const { kind, op, key } of steps) {
      const common = {
        TableName: op.TableName,
        ...(op.ConditionExpression ? { ConditionExpression: op.ConditionExpression } : {}),
        ...(op.ExpressionAttributeNames ? { ExpressionAttributeNames: { ...op.ExpressionAttributeNames } } : {}),
        ...(op.ExpressionAttributeValues ? { ExpressionAttributeValues: { ...op.ExpressionAttributeValues } } : {}),
        ReturnValues: "ALL_OLD",
      };
      let result;
      if (kind === "Put") result = await call(headers, "PutItem", { ...common, Item: op.Item });
      else if (kind === "Delete") result = await call(headers, "DeleteItem", { ...common, Key: key });
      else if (kind === "Update")
        result = await call(headers, "UpdateItem", { ...common, Key: key, UpdateExpression: op.UpdateExpression });
      else if (kind === "ConditionCheck") {
        // A write that changes nothing visible, undone below whatever happens.
        common.ExpressionAttributeNames = { ...common.ExpressionAttributeNames, "#__check": "__check" };
        common.ExpressionAttributeValues = { ...common.ExpressionAttributeValues, ":__check": { BOOL: true } };
        result = await call(headers, "UpdateItem", { ...common, Key: key, UpdateExpression: "SET #__check = :__check" });
      } else return validation(`Unsupported transaction item ${kind}`);
      if (result.ok) {
        done.push({ table: op.TableName, key, old: result.body.Attributes ?? null });
        reasons.push({ Code: "None" });
        if (kind === "ConditionCheck") done.at(-1).check = true;
      } else if (String(result.body.__type ?? "").endsWith("ConditionalCheckFailedException")) {
        failed = true;
        reasons.push({ Code: "ConditionalCheckFailed", Message: "The conditional request failed" });
      } else {
        error = result;
        break;
      }
    }
    if (failed || error || done.some((d) => d.check)) {
      const undo = failed || error ? done : done.filter((d) => d.check);
      for (const { table, key, old } of undo.reverse()) {
        if (old) await call(headers, "PutItem", { TableName: table, Item: old });
        else await call(headers, "DeleteItem", { TableName: table, Key: key });
      }
    }
    if (error) return { status: error.status, body: error.body };
    if (failed) {
      return {
        status: 400,
        body: {
          __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
          CancellationReasons: reasons,
        },
      };
    }
    return { status: 200, body: {} };
  }

  const front = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!["host", "content-length", "connection"].includes(name) && typeof value === "string") headers[name] = value;
      }
      const target = String(req.headers["x-amz-target"] ?? "");
      serial(async () => {
        if (target.endsWith(".TransactWriteItems")) {
          const result = await transactWrite(headers, JSON.parse(body || "{}"));
          res.writeHead(result.status, { "Content-Type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify(result.body));
        } else {
          const result = await forward(headers, body);
          res.writeHead(result.status, { "Content-Type": result.type });
          res.end(result.text);
        }
      }).catch((error) => {
        res.writeHead(500, { "Content-Type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: String(error) }));
      });
    });
  });
  await new Promise((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, resolve);
  });
  const bound = /** @type {import("node:net").AddressInfo} */ (front.address());
  return {
    endpoint: `http://${host}:${bound.port}`,
    port: bound.port,
    close: async () => {
      front.closeAllConnections?.();
      await new Promise((resolve) => front.close(() => resolve()));
      await new Promise((resolve) => inner.close(() => resolve()));
    },
  };
}

function validation(message) {
  return { status: 400, body: { __type: "com.amazon.coral.validate#ValidationException", message } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const local = await startDynamoLocal({ port: Number(process.argv[2] ?? 8000) });
  console.log(`Local DynamoDB (dynalite + transactions) on ${local.endpoint}; set DYNAMODB_ENDPOINT=${local.endpoint}`);
}
