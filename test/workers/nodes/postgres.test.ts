/**
 * The `postgres` node against the real local PostgreSQL (database `test`, trust auth), reached from
 * workerd through the run's WebSocket relay (test/storage-setup.ts), as a server other than Neon is.
 */
import { describe, expect, inject, it } from "vitest";
import type { JsonValue } from "../../../src/lib/json";
import { call, runFlow, saveFlow, signUp, uniqueName, yaml } from "../../helpers/api";
import { done, fail, run, secretVault } from "./helpers";

const services = inject("storageServices");
const pg = "skip" in services.postgres ? null : services.postgres;
// The run's own schema (options=-c search_path=...), dropped when the test run ends.
const DB_URL = pg?.url ?? "";
const table = (prefix: string) => `${prefix}_${uniqueName("t").toLowerCase()}`;

const node = (params: Record<string, unknown>) => ({ type: "postgres", params: { connection_string: DB_URL, ...params } });
const relay = () => ({ postgresProxy: pg!.wsProxy });
const ok = async (params: Record<string, unknown>) => done((await run(node(params), {}, relay())).outcome);
const sql = (query: string, args: JsonValue[] = []) => ok({ operation: "execute", query, args });

describe.skipIf(pg === null)("postgres node", () => {
  it("execute SELECT: args in, JSON-typed values out", async () => {
    const outcome = await sql(
      "SELECT $1::int AS i, $2::numeric AS n, 9007199254740993::bigint AS big, $3::jsonb AS doc, " +
        "'2024-05-06T07:08:09Z'::timestamptz AS at, '2024-05-06'::date AS day, NULL::text AS nothing, ARRAY['a','b']::text[] AS tags, $4::text AS s",
      [42, "12345678901234567890.5", { a: [1, true, null] }, "héllo"],
    );
    expect(outcome.action).toBe("default");
    expect(outcome.output).toEqual({
      rows: [
        {
          i: 42,
          n: "12345678901234567890.5",
          big: "9007199254740993",
          doc: { a: [1, true, null] },
          at: "2024-05-06T07:08:09.000Z",
          day: "2024-05-06",
          nothing: null,
          tags: ["a", "b"],
          s: "héllo",
        },
      ],
      row_count: 1,
      fields: [
        { name: "i", type: "int4" },
        { name: "n", type: "numeric" },
        { name: "big", type: "int8" },
        { name: "doc", type: "jsonb" },
        { name: "at", type: "timestamptz" },
        { name: "day", type: "date" },
        { name: "nothing", type: "text" },
        { name: "tags", type: "text[]" },
        { name: "s", type: "text" },
      ],
    });
  });

  it("execute INSERT → rows_affected; with RETURNING → rows", async () => {
    const t = table("ins");
    expect((await sql(`CREATE TABLE ${t} (id int PRIMARY KEY, name text)`)).output).toEqual({ rows_affected: 0 });
    expect((await sql(`INSERT INTO ${t} VALUES ($1, $2), ($3, $4)`, [1, "a", 2, "b"])).output).toEqual({ rows_affected: 2 });
    const returned = await sql(`UPDATE ${t} SET name = upper(name) RETURNING id, name`);
    expect(returned.output).toMatchObject({
      row_count: 2,
      rows: expect.arrayContaining([
        { id: 1, name: "A" },
        { id: 2, name: "B" },
      ]),
    });
    expect((await sql(`SELECT * FROM ${t} WHERE id > 5`)).output).toMatchObject({ rows: [], row_count: 0 });
  });

  it("transaction commits every statement, or rolls back all of them on a failure", async () => {
    const t = table("tx");
    await sql(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
    const committed = await ok({
      operation: "transaction",
      statements: [{ query: `INSERT INTO ${t} VALUES ($1)`, args: [1] }, { query: `SELECT count(*)::int AS n FROM ${t}` }],
    });
    expect(committed.output).toEqual({
      results: [{ rows_affected: 1 }, { rows: [{ n: 1 }], row_count: 1, fields: [{ name: "n", type: "int4" }] }],
    });

    const { error } = await fail(
      node({
        operation: "transaction",
        statements: [
          { query: `INSERT INTO ${t} VALUES ($1)`, args: [2] },
          { query: `INSERT INTO ${t} VALUES ($1)`, args: [1] },
        ],
      }),
      {},
      relay(),
    );
    expect(error.code).toBe("query_failed");
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ sqlstate: "23505", condition: "unique_violation", statement: 1 });
    expect(error.message).toMatch(/^Statement 2: PostgreSQL 23505 unique_violation/);
    // The first statement's row is gone with the rest.
    expect((await sql(`SELECT id FROM ${t} ORDER BY id`)).output).toMatchObject({ rows: [{ id: 1 }] });
  });

  it("SQLSTATE errors are not retried; a connection that fails is", async () => {
    const t = table("err");
    await sql(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
    await sql(`INSERT INTO ${t} VALUES (1)`);
    const unique = (await fail(node({ operation: "execute", query: `INSERT INTO ${t} VALUES (1)` }), {}, relay())).error;
    expect([unique.code, unique.retryable, unique.details]).toMatchObject([
      "query_failed",
      false,
      { sqlstate: "23505", condition: "unique_violation", constraint: `${t}_pkey` },
    ]);
    const syntax = (await fail(node({ operation: "execute", query: "SELEC 1" }), {}, relay())).error;
    expect([syntax.code, syntax.retryable, syntax.details]).toMatchObject([
      "query_failed",
      false,
      { sqlstate: "42601", condition: "syntax_error" },
    ]);

    const down = (
      await fail(node({ operation: "execute", query: "SELECT 1", connection_string: DB_URL.replace(":5432/", ":1/") }), {}, relay())
    ).error;
    expect([down.code, down.retryable]).toEqual(["connection_failed", true]);
  });

  it("statement timeout and row cap fail with their own codes", async () => {
    const slow = (await fail(node({ operation: "execute", query: "SELECT pg_sleep(2)", timeout: "200ms" }), {}, relay())).error;
    expect([slow.code, slow.retryable, slow.details]).toMatchObject(["statement_timeout", false, { sqlstate: "57014" }]);
    const many = (await fail(node({ operation: "execute", query: "SELECT generate_series(1, 11)", max_rows: 10 }), {}, relay())).error;
    expect([many.code, many.details]).toEqual(["too_many_rows", { row_count: 11, max_rows: 10 }]);
  });

  it("key-value operations on a table created when missing", async () => {
    const t = table("kv");
    const kv = (params: Record<string, unknown>) => ok({ table_name: t, ...params });
    const missing = await kv({ operation: "get", key: "nope" });
    expect([missing.action, missing.output]).toEqual(["not_found", null]);
    expect((await kv({ operation: "set", key: "user:1", value: { name: "Ann", age: 31, tags: ["x"] } })).output).toEqual({
      key: "user:1",
      stored: true,
    });
    await kv({ operation: "set", key: "user:2", value: { name: "Bob", age: 25, tags: ["y", "x"] } });
    await kv({ operation: "set", key: "user:3", value: { name: "Cy", age: 40 } });
    await kv({ operation: "set", key: "other", value: 7 });
    await kv({ operation: "set", key: "user:gone", value: { name: "Old", age: 99 }, ttl: "1ms" });
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect((await kv({ operation: "get", key: "user:1" })).output).toEqual({ name: "Ann", age: 31, tags: ["x"] });
    expect((await kv({ operation: "get", key: "user:gone" })).action).toBe("not_found");
    expect((await kv({ operation: "list", prefix: "user:" })).output).toEqual(["user:1", "user:2", "user:3"]);
    expect((await kv({ operation: "list", limit: 2 })).output).toEqual(["other", "user:1"]);
    expect((await kv({ operation: "query", prefix: "user:", filter: { age: { $gte: 30 } }, sort: "-age" })).output).toEqual([
      { name: "Cy", age: 40, _key: "user:3" },
      { name: "Ann", age: 31, tags: ["x"], _key: "user:1" },
    ]);
    expect((await kv({ operation: "query", filter: { tags: { $contains: "y" } } })).output).toEqual([
      { name: "Bob", age: 25, tags: ["y", "x"], _key: "user:2" },
    ]);
    expect((await kv({ operation: "query", filter: { name: { $in: ["Ann", "Cy"] } }, sort: "name" })).output).toMatchObject([
      { _key: "user:1" },
      { _key: "user:3" },
    ]);
    expect((await kv({ operation: "delete", key: "user:2" })).output).toEqual({ deleted: true, key: "user:2" });
    expect((await kv({ operation: "delete", key: "user:2" })).output).toEqual({ deleted: false, key: "user:2" });
    expect((await kv({ operation: "delete", key: "user:gone" })).output).toEqual({ deleted: false, key: "user:gone" });
  });

  it("reads are pure steps; writes and SQL have effects", async () => {
    const { postgresNode } = await import("../../../src/nodes/postgres/run");
    const effects = (operation: string) => postgresNode.sideEffects({ operation } as Parameters<typeof postgresNode.sideEffects>[0]);
    expect(["get", "list", "query", "set", "delete", "execute", "transaction"].map(effects)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });

  it("refuses a loopback database under the deny policy, and a non-Neon host without a relay", async () => {
    const denied = (await fail(node({ operation: "execute", query: "SELECT 1" }), {}, { ...relay(), privateNetwork: "deny" })).error;
    expect([denied.code, denied.retryable, denied.details]).toEqual(["address_not_allowed", false, { host: "127.0.0.1", port: 5432 }]);
    const noRelay = (await fail(node({ operation: "execute", query: "SELECT 1" }), {})).error;
    expect([noRelay.code, noRelay.retryable]).toEqual(["not_available", false]);
  });

  it("connects from a database secret's fields, and never shows the password", async () => {
    const password = "pg-secret-Zx81-unique-password";
    const options = { options: new URL(DB_URL).searchParams.get("options") ?? "" };
    const vault = secretVault({
      DB: { type: "postgres", host: "127.0.0.1", port: 5432, username: "root", password, database: "test", options },
    });
    const good = await run(
      { type: "postgres", params: { operation: "execute", connection: "${secrets.DB}", query: "SELECT 1 + 1 AS two" } },
      {},
      { ...relay(), secrets: vault },
    );
    expect(done(good.outcome).output).toMatchObject({ rows: [{ two: 2 }] });

    const bad = await fail(
      { type: "postgres", params: { operation: "execute", connection: "${secrets.DB}", query: `SELECT '${password}' FROM nowhere` } },
      {},
      { ...relay(), secrets: vault },
    );
    expect(bad.error.details).toMatchObject({ sqlstate: "42P01" });
    expect(JSON.stringify([bad.error.message, bad.error.details, bad.logs, good.logs])).not.toContain(password);
  });
});

describe.skipIf(pg === null)("postgres node through the API", () => {
  it("a flow using ${secrets.DB}: no step record, log or error holds the password or the connection string", async () => {
    const user = await signUp();
    const password = `pw-${uniqueName()}`;
    const url = DB_URL.replace("root@", `root:${password}@`);
    const options = { options: new URL(DB_URL).searchParams.get("options") ?? "" };
    for (const [key, body] of [
      [
        "DB",
        {
          type: "database",
          data: { type: "postgres", host: "127.0.0.1", port: 5432, username: "root", password, database: "test", options },
        },
      ],
      ["DATABASE_URL", { value: url }],
    ] as const) {
      const res = await call(`/api/v1/accounts/me/secrets/${key}`, { method: "PUT", headers: user.auth, json: body });
      expect([200, 201], await res.text()).toContain(res.status);
    }
    const t = table("api");
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: pg secrets}
nodes:
  create:
    type: postgres
    params: {operation: execute, connection: "\${secrets.DB}", query: "CREATE TABLE ${t} (id int PRIMARY KEY, note text)"}
    next: {default: insert}
  insert:
    type: postgres
    params:
      operation: execute
      connection_string: "\${secrets.DATABASE_URL}"
      query: "INSERT INTO ${t} VALUES (1, $1) RETURNING note"
      args: ["\${secrets.DB.password}"]
    next: {default: again}
  again:
    type: postgres
    params: {operation: execute, connection_string: "\${secrets.DATABASE_URL}", query: "INSERT INTO ${t} VALUES (1, 'dup')"}
`,
    );
    const execution = await runFlow(user, flow, {});
    expect(execution.status).toBe("failed");
    expect(execution.error).toMatchObject({ code: "query_failed", node_id: "again" });
    const steps = await call(`/api/v1/executions/${execution.id}/steps?full=true`, { headers: user.auth });
    const logs = await call(`/api/v1/executions/${execution.id}/logs`, { headers: user.auth });
    const seen = JSON.stringify([execution, await steps.json(), await logs.json()]);
    expect(seen).toContain("unique_violation");
    expect(seen).toContain("[REDACTED]");
    expect(seen).not.toContain(password);
    expect(seen).not.toContain(url);
    // The value did reach the database: only what the run shows is redacted.
    const stored = await sql(`SELECT note FROM ${t}`);
    expect(stored.output).toMatchObject({ rows: [{ note: password }] });
  });
});
