/** The dynamodb node against dynalite (test/storage-setup.ts), each test on tables of its own. */
import { describe, expect, inject, it } from "vitest";
import { DynamoClient } from "../../../src/lib/dynamodb/client";
import { done, fail, fakeFetch, run, secretVault, type StepOptions } from "./helpers";

const { dynamodb: services } = inject("storageServices");
const skip = "skip" in services;
const endpoint = skip ? "" : services.endpoint;

const ACCESS_KEY = "AKIATESTNODE00000001";
const SECRET_KEY = "node-secret-key-0123456789-abcdefghij";
const secrets = secretVault({
  AWS_KEY: ACCESS_KEY,
  AWS_SECRET: SECRET_KEY,
  AWS: { access_key_id: ACCESS_KEY, secret_access_key: SECRET_KEY, region: "eu-west-1" },
});
const credentials = { access_key: "${secrets.AWS_KEY}", secret_key: "${secrets.AWS_SECRET}" };

/** The runtime's fetch, called unbound as the lifecycle does. */
const realFetch: typeof fetch = (input, init) => fetch(input, init);

let tables = 0;
const admin = () => new DynamoClient({ endpoint, region: "us-east-1", table: "", accessKeyId: "admin", secretAccessKey: "admin" });

/** A new table: string hash key `hash` (and sort key `range`), optionally a GSI. */
async function createTable(
  options: { hash?: string; range?: string; gsi?: { name: string; hash: string; range?: string } } = {},
): Promise<string> {
  const name = `node_${Date.now().toString(36)}_${tables++}`;
  const hash = options.hash ?? "key";
  const attributes = new Map<string, string>([[hash, "S"]]);
  if (options.range) attributes.set(options.range, "S");
  if (options.gsi) {
    attributes.set(options.gsi.hash, "S");
    if (options.gsi.range) attributes.set(options.gsi.range, "S");
  }
  const keySchema = (h: string, r?: string) => [
    { AttributeName: h, KeyType: "HASH" },
    ...(r ? [{ AttributeName: r, KeyType: "RANGE" }] : []),
  ];
  await admin().send("CreateTable", {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(hash, options.range),
    ...(options.gsi
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: options.gsi.name,
              KeySchema: keySchema(options.gsi.hash, options.gsi.range),
              Projection: { ProjectionType: "ALL" },
            },
          ],
        }
      : {}),
  });
  return name;
}

async function node(params: Record<string, unknown>, options: StepOptions = {}) {
  const { outcome, logs } = await run({ type: "dynamodb", params: { endpoint, ...credentials, ...params } }, options, {
    fetch: realFetch,
    secrets,
  });
  const finished = done(outcome);
  expect(JSON.stringify({ finished, logs })).not.toContain(SECRET_KEY);
  return { action: finished.action, output: finished.output, logs };
}

async function failing(params: Record<string, unknown>) {
  const { error, logs } = await fail(
    { type: "dynamodb", params: { endpoint, ...credentials, ...params } },
    {},
    { fetch: realFetch, secrets },
  );
  expect(JSON.stringify({ message: error.message, details: error.details, logs })).not.toContain(SECRET_KEY);
  expect(error.message).not.toContain(ACCESS_KEY);
  return error;
}

describe.skipIf(skip)("dynamodb key-value operations", () => {
  it("sets, gets, lists, queries and deletes; a missing key is not_found", async () => {
    const table_name = await createTable();
    expect(await node({ operation: "set", table_name, key: "user:1", value: { name: "Ada", age: 36, tags: ["x"] } })).toMatchObject({
      action: "default",
      output: { key: "user:1", stored: true },
    });
    await node({ operation: "set", table_name, key: "user:2", value: { name: "Bob", age: 17, tags: ["y", "x"] } });
    await node({ operation: "set", table_name, key: "other", value: 42 });

    expect(await node({ operation: "get", table_name, key: "user:1" })).toMatchObject({
      action: "default",
      output: { name: "Ada", age: 36, tags: ["x"] },
    });
    expect(await node({ operation: "get", table_name, key: "nope" })).toMatchObject({ action: "not_found", output: null });
    expect((await node({ operation: "list", table_name })).output).toEqual(["other", "user:1", "user:2"]);
    expect((await node({ operation: "list", table_name, prefix: "user:", limit: 1 })).output).toEqual(["user:1"]);

    const adults = await node({ operation: "query", table_name, prefix: "user:", filter: { age: { $gte: 18 } } });
    expect(adults.output).toEqual([{ name: "Ada", age: 36, tags: ["x"], _key: "user:1" }]);
    const byName = await node({
      operation: "query",
      table_name,
      filter: { name: { $in: ["Ada", "Bob"] }, tags: { $contains: "x" } },
      sort: "-age",
    });
    expect((byName.output as { _key: string }[]).map((v) => v._key)).toEqual(["user:1", "user:2"]);
    expect((await node({ operation: "query", table_name, filter: { name: { $ne: "Ada" } } })).output).toEqual([
      { _key: "other", value: 42 },
      { name: "Bob", age: 17, tags: ["y", "x"], _key: "user:2" },
    ]);
    expect((await node({ operation: "query", table_name, filter: { age: { $in: [] } } })).output).toEqual([]);

    expect(await node({ operation: "delete", table_name, key: "user:1" })).toMatchObject({
      action: "default",
      output: { deleted: true, key: "user:1" },
    });
    expect(await node({ operation: "delete", table_name, key: "user:1" })).toMatchObject({
      action: "not_found",
      output: { deleted: false, key: "user:1" },
    });
  });

  it("writes with a TTL; reads treat an item past expires_at as missing", async () => {
    const table_name = await createTable();
    const before = Date.now();
    await node({ operation: "set", table_name, key: "fresh", value: "v", ttl: "1h" });
    const stored = await node({ operation: "get_item", table_name, key: { key: "fresh" } });
    const expiresAt = (stored.output as { item: { expires_at: number } }).item.expires_at;
    expect(expiresAt * 1000).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiresAt * 1000).toBeLessThan(Date.now() + 3600_000 + 1000);

    // An item DynamoDB has not removed yet: past its expiry, so absent to every read.
    await node({ operation: "put_item", table_name, item: { key: "stale", value: "old", expires_at: Math.floor(Date.now() / 1000) - 5 } });
    expect((await node({ operation: "get", table_name, key: "stale" })).action).toBe("not_found");
    expect((await node({ operation: "get", table_name, key: "fresh" })).output).toBe("v");
    expect((await node({ operation: "list", table_name })).output).toEqual(["fresh"]);
    expect((await node({ operation: "query", table_name })).output).toEqual([{ _key: "fresh", value: "v" }]);
    expect((await node({ operation: "delete", table_name, key: "stale" })).action).toBe("not_found");
  });

  it("batch_write writes every item, across several batches", async () => {
    const table_name = await createTable();
    const items = Array.from({ length: 30 }, (_, i) => ({ key: `k${String(i).padStart(2, "0")}`, value: { i } }));
    expect((await node({ operation: "batch_write", table_name, items })).output).toEqual({ written: 30 });
    const keys = (await node({ operation: "list", table_name })).output as string[];
    expect(keys).toHaveLength(30);
    expect((await node({ operation: "get", table_name, key: "k29" })).output).toEqual({ i: 29 });
    const error = await failing({ operation: "batch_write", table_name, items: [{ value: 1 }] });
    expect(error).toMatchObject({ code: "invalid_params", retryable: false });
  });
});

describe.skipIf(skip)("dynamodb native operations", () => {
  it("puts, gets, updates and deletes items with conditions and plain JSON values", async () => {
    const table_name = await createTable({ hash: "pk", range: "sk" });
    const item = { pk: "order#1", sk: "v1", total: 12.5, count: 3, paid: false, note: null, lines: [{ sku: "a" }], meta: { n: 1 } };
    expect(await node({ operation: "put_item", table_name, item })).toEqual(
      expect.objectContaining({ action: "default", output: { attributes: null } }),
    );
    // Beyond 2^53 a number cannot be a JS number without rounding: it comes back as its text.
    await admin().send("UpdateItem", {
      TableName: table_name,
      Key: { pk: { S: "order#1" }, sk: { S: "v1" } },
      UpdateExpression: "SET big = :b",
      ExpressionAttributeValues: { ":b": { N: "9007199254740993" } },
    });
    const got = await node({ operation: "get_item", table_name, key: { pk: "order#1", sk: "v1" } });
    expect(got).toMatchObject({ action: "default", output: { item: { ...item, big: "9007199254740993" } } });
    expect(await node({ operation: "get_item", table_name, key: { pk: "order#2", sk: "v1" } })).toMatchObject({
      action: "not_found",
      output: { item: null },
    });

    const guarded = {
      operation: "put_item",
      table_name,
      item: { pk: "order#1", sk: "v1" },
      condition_expression: "attribute_not_exists(pk)",
    };
    expect(await node(guarded)).toMatchObject({ action: "condition_failed", output: { condition_failed: true } });
    const replaced = await node({
      operation: "put_item",
      table_name,
      item: { pk: "order#1", sk: "v1", total: 1 },
      return_values: "ALL_OLD",
    });
    expect(replaced.output).toMatchObject({ attributes: { total: 12.5 } });

    const update = {
      operation: "update_item",
      table_name,
      key: { pk: "order#1", sk: "v1" },
      update_expression: "SET #s = :s ADD hits :one",
      expression_attribute_names: { "#s": "status" },
      expression_attribute_values: { ":s": "shipped", ":one": 1 },
    };
    expect((await node(update)).output).toEqual({ attributes: { pk: "order#1", sk: "v1", total: 1, status: "shipped", hits: 1 } });
    expect((await node({ ...update, return_values: "UPDATED_NEW" })).output).toEqual({ attributes: { status: "shipped", hits: 2 } });
    expect((await node({ ...update, return_values: "UPDATED_OLD" })).output).toEqual({ attributes: { status: "shipped", hits: 2 } });
    expect((await node({ ...update, return_values: "NONE" })).output).toEqual({ attributes: null });
    const conditional = await node({
      ...update,
      condition_expression: "#s = :other",
      expression_attribute_values: { ":s": "x", ":one": 1, ":other": "pending" },
    });
    expect(conditional.action).toBe("condition_failed");

    const refused = await node({
      operation: "delete_item",
      table_name,
      key: { pk: "order#1", sk: "v1" },
      condition_expression: "#t > :t",
      expression_attribute_names: { "#t": "total" },
      expression_attribute_values: { ":t": 100 },
    });
    expect(refused.action).toBe("condition_failed");
    const deleted = await node({ operation: "delete_item", table_name, key: { pk: "order#1", sk: "v1" } });
    expect(deleted).toMatchObject({ action: "default", output: { deleted: true, attributes: { hits: 4 } } });
    expect((await node({ operation: "delete_item", table_name, key: { pk: "order#1", sk: "v1" } })).action).toBe("not_found");
  });

  it("queries a GSI and pages through query_items and scan with the cursor", async () => {
    const table_name = await createTable({ hash: "pk", range: "sk", gsi: { name: "by_customer", hash: "customer", range: "created" } });
    const put_items = Array.from({ length: 7 }, (_, i) => ({
      pk: `o${i}`,
      sk: "order",
      customer: i % 2 === 0 ? "c1" : "c2",
      created: `2026-01-0${i + 1}`,
      n: i,
    }));
    expect((await node({ operation: "batch_write_items", table_name, put_items })).output).toEqual({ written: 7 });

    const query = {
      operation: "query_items",
      table_name,
      index_name: "by_customer",
      key_condition_expression: "customer = :c",
      expression_attribute_values: { ":c": "c1" },
      scan_index_forward: false,
      limit: 3,
    };
    const first = (await node(query)).output as { items: { n: number }[]; count: number; next_cursor: string | null };
    expect(first.items.map((i) => i.n)).toEqual([6, 4, 2]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await node({ ...query, cursor: first.next_cursor })).output as typeof first;
    expect(second.items.map((i) => i.n)).toEqual([0]);
    expect(second.next_cursor).toBeNull();

    const seen: number[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = (await node({ operation: "scan", table_name, limit: 2, ...(cursor ? { cursor } : {}) })).output as typeof first;
      seen.push(...page.items.map((i) => i.n));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(pages).toBeGreaterThanOrEqual(4);

    const filtered = await node({ operation: "scan", table_name, filter_expression: "n > :n", expression_attribute_values: { ":n": 4 } });
    expect((filtered.output as typeof first).count).toBe(2);
    expect(await failing({ operation: "scan", table_name, cursor: "not-a-cursor" })).toMatchObject({
      code: "invalid_cursor",
      retryable: false,
    });
  });

  it("batch_get answers found items in the order asked and names the missing keys; batch_write_items deletes too", async () => {
    const table_name = await createTable({ hash: "id" });
    await node({
      operation: "batch_write_items",
      table_name,
      put_items: [
        { id: "a", v: 1 },
        { id: "b", v: 2 },
        { id: "c", v: 3 },
      ],
    });
    const got = await node({ operation: "batch_get", table_name, keys: [{ id: "c" }, { id: "zz" }, { id: "a" }] });
    expect(got.output).toEqual({
      items: [
        { id: "c", v: 3 },
        { id: "a", v: 1 },
      ],
      missing: [{ id: "zz" }],
    });
    expect((await node({ operation: "batch_write_items", table_name, delete_keys: [{ id: "a" }, { id: "b" }] })).output).toEqual({
      written: 2,
    });
    expect((await node({ operation: "scan", table_name })).output).toMatchObject({ items: [{ id: "c", v: 3 }], count: 1 });
  });

  it("transact_write is all or nothing: one failing condition writes nothing", async () => {
    const accounts = await createTable({ hash: "id" });
    const log = await createTable({ hash: "id" });
    await node({ operation: "put_item", table_name: accounts, item: { id: "alice", balance: 10 } });
    const transfer = (amount: number) => ({
      operation: "transact_write",
      table_name: accounts,
      transact_items: [
        { put: { id: `t${amount}`, amount }, table_name: log },
        {
          update: { id: "alice" },
          update_expression: "SET balance = balance - :a",
          condition_expression: "balance >= :a",
          expression_attribute_values: { ":a": amount },
        },
      ],
    });
    const refused = await node(transfer(50));
    expect(refused).toMatchObject({
      action: "condition_failed",
      output: { condition_failed: true, reasons: ["None", "ConditionalCheckFailed"] },
    });
    expect((await node({ operation: "get_item", table_name: log, key: { id: "t50" } })).action).toBe("not_found");
    expect((await node({ operation: "get_item", table_name: accounts, key: { id: "alice" } })).output).toEqual({
      item: { id: "alice", balance: 10 },
    });

    expect((await node(transfer(4))).output).toEqual({ written: 2 });
    expect((await node({ operation: "get_item", table_name: log, key: { id: "t4" } })).output).toEqual({ item: { id: "t4", amount: 4 } });
    expect((await node({ operation: "get_item", table_name: accounts, key: { id: "alice" } })).output).toEqual({
      item: { id: "alice", balance: 6 },
    });
  });
});

describe.skipIf(skip)("dynamodb credentials and failures", () => {
  it("reads credentials from an aws secret, and never shows them", async () => {
    const table_name = await createTable();
    const { logs } = await run(
      { type: "dynamodb", params: { endpoint, credentials: "AWS", operation: "set", table_name, key: "k", value: 1 } },
      {},
      { fetch: realFetch, secrets },
    );
    expect(JSON.stringify(logs)).not.toContain(SECRET_KEY);
    expect((await node({ operation: "get", table_name, key: "k" })).output).toBe(1);
    const missing = await fail({ type: "dynamodb", params: { endpoint, operation: "get", key: "k" } }, {}, { fetch: realFetch, secrets });
    expect(missing.error).toMatchObject({ code: "invalid_credentials", retryable: false });
    const notAws = await fail(
      { type: "dynamodb", params: { endpoint, credentials: "AWS_KEY", operation: "get", key: "k" } },
      {},
      { fetch: realFetch, secrets },
    );
    expect(notAws.error).toMatchObject({ code: "invalid_credentials", retryable: false });
    expect(notAws.error.message).not.toContain(ACCESS_KEY);
  });

  it("reports DynamoDB's validation message without retrying, and a missing table as table_not_found", async () => {
    const table_name = await createTable({ hash: "pk" });
    const invalid = await failing({ operation: "update_item", table_name, key: { pk: "a" }, update_expression: "SET = broken" });
    expect(invalid).toMatchObject({ code: "invalid_request", retryable: false, details: { type: "ValidationException" } });
    expect(invalid.message).toMatch(/^DynamoDB ValidationException: /);
    expect(await failing({ operation: "get", table_name: "no_such_table", key: "k" })).toMatchObject({
      code: "table_not_found",
      retryable: false,
    });
  });

  it("sends signed requests through ctx.http, retries throttling inside the step, then fails retryably", async () => {
    const throttled = fakeFetch(() => ({
      status: 400,
      body: { __type: "com.amazonaws.dynamodb.v20120810#ThrottlingException", message: "Rate exceeded" },
    }));
    const { error } = await fail(
      { type: "dynamodb", params: { ...credentials, endpoint: "https://dynamo.example.com", operation: "get", key: "k" } },
      {},
      { fetch: throttled.fetch, secrets },
    );
    expect(error).toMatchObject({ code: "dynamodb_throttled", retryable: true });
    expect(throttled.calls).toHaveLength(5);
    expect(throttled.calls[0]!.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/us-east-1/dynamodb/aws4_request`),
    );
    expect(JSON.stringify(throttled.calls)).not.toContain(SECRET_KEY);

    const down = fakeFetch(() => ({ status: 503, body: { message: "unavailable" } }));
    const unavailable = await fail(
      { type: "dynamodb", params: { ...credentials, endpoint: "https://dynamo.example.com", operation: "scan", table_name: "t" } },
      {},
      { fetch: down.fetch, secrets },
    );
    expect(unavailable.error).toMatchObject({ code: "dynamodb_unavailable", retryable: true });
  });

  it("is refused by the private-network policy like any outbound call", async () => {
    const { error } = await fail(
      { type: "dynamodb", params: { ...credentials, endpoint, operation: "get", key: "k" } },
      {},
      { fetch: realFetch, secrets, privateNetwork: "deny" },
    );
    expect(error).toMatchObject({ code: "address_not_allowed", retryable: false });
  });

  it("declares reads pure and writes with effects", async () => {
    const { dynamodbNode } = await import("../../../src/nodes/dynamodb/run");
    const effects = (operation: string) => dynamodbNode.sideEffects({ operation } as Parameters<typeof dynamodbNode.sideEffects>[0]);
    expect(["get", "list", "query", "get_item", "query_items", "scan", "batch_get"].map(effects)).toEqual(Array(7).fill(false));
    expect(
      ["set", "delete", "batch_write", "put_item", "update_item", "delete_item", "batch_write_items", "transact_write"].map(effects),
    ).toEqual(Array(8).fill(true));
  });
});
