import { describe, expect, it } from "vitest";
import { NodeError } from "../../../src/engine/outcome";
import { isNeonHost, postgresNetwork } from "../../../src/nodes/capabilities/postgres";
import { connectionTarget, driverUrl } from "../../../src/nodes/postgres/connection";
import { conditionName, mapDriverError, scrubber } from "../../../src/nodes/postgres/errors";
import { querySql, quoteTable, withKey } from "../../../src/nodes/postgres/kv";
import { statementOutput, toJson } from "../../../src/nodes/postgres/results";
import type { postgres } from "../../../src/nodes/postgres/spec";
import type { ParamsOf } from "../../../src/flow/node-types/spec";

const none = (text: string) => text;

describe("postgres error mapping", () => {
  it("keeps the SQLSTATE and its name; statement errors are not retried", () => {
    const error = mapDriverError(
      {
        code: "23505",
        message: 'duplicate key value violates unique constraint "t_pkey"',
        constraint: "t_pkey",
        detail: "Key (id)=(1) already exists.",
      },
      none,
      30_000,
    );
    expect([error.code, error.retryable, error.message]).toEqual([
      "query_failed",
      false,
      'PostgreSQL 23505 unique_violation: duplicate key value violates unique constraint "t_pkey"',
    ]);
    expect(error.details).toEqual({
      sqlstate: "23505",
      condition: "unique_violation",
      constraint: "t_pkey",
      detail: "Key (id)=(1) already exists.",
    });
    expect(mapDriverError({ code: "42601", message: "x", position: "5" }, none, 1).details).toEqual({
      sqlstate: "42601",
      condition: "syntax_error",
      position: 5,
    });
  });

  it("retries connection, serialization and resource failures; names unlisted codes by class", () => {
    expect(mapDriverError({ code: "08006" }, none, 1)).toMatchObject({ code: "connection_failed", retryable: true });
    expect(mapDriverError({ code: "40001" }, none, 1)).toMatchObject({ code: "query_failed", retryable: true });
    expect(mapDriverError({ code: "28P01", message: "password authentication failed" }, none, 1)).toMatchObject({
      code: "connection_failed",
      retryable: false,
    });
    expect(mapDriverError({ code: "57014" }, none, 250)).toMatchObject({ code: "statement_timeout", retryable: false });
    expect(conditionName("22023")).toBe("data_exception");
    expect(conditionName("ZZ999")).toBe("unknown");
  });

  it("never keeps a driver's own text for a network failure, and scrubs credentials from server text", () => {
    const network = mapDriverError(new Error("connect ECONNREFUSED postgres://u:hunter22@db/x"), none, 1);
    expect([network.code, network.retryable]).toEqual(["connection_failed", true]);
    expect(network.message).not.toContain("hunter22");
    const scrub = scrubber(["hunter22", undefined, "ab"]);
    const error = mapDriverError({ code: "42P01", message: 'relation "hunter22" does not exist' }, scrub, 1);
    expect(error.message).toBe('PostgreSQL 42P01 undefined_table: relation "[REDACTED]" does not exist');
    expect(mapDriverError(new NodeError("x", "y"), scrub, 1).code).toBe("x");
  });
});

describe("postgres results", () => {
  it("converts driver values to JSON", () => {
    expect(
      toJson({
        at: new Date("2024-01-02T03:04:05Z"),
        big: 12n,
        bytes: new Uint8Array([0, 255]),
        nan: Number.NaN,
        list: [1, null, undefined],
      }),
    ).toEqual({ at: "2024-01-02T03:04:05.000Z", big: "12", bytes: "\\x00ff", nan: "NaN", list: [1, null, null] });
  });

  it("rows for a statement with columns, rows_affected otherwise, and the row cap", () => {
    const fields = [{ name: "id", dataTypeID: 23 }];
    expect(statementOutput({ command: "SELECT", rowCount: 1, rows: [{ id: 1 }], fields }, 5)).toEqual({
      rows: [{ id: 1 }],
      row_count: 1,
      fields: [{ name: "id", type: "int4" }],
    });
    expect(statementOutput({ command: "UPDATE", rowCount: 3, rows: [], fields: [] }, 5)).toEqual({ rows_affected: 3 });
    expect(() => statementOutput({ command: "SELECT", rowCount: 6, rows: new Array(6).fill({ id: 1 }), fields }, 5)).toThrow(
      expect.objectContaining({ code: "too_many_rows", details: { row_count: 6, max_rows: 5 } }),
    );
  });
});

describe("postgres connection", () => {
  type Params = ParamsOf<typeof postgres>;
  const params = (p: Partial<Params>) => ({ operation: "execute", timeout: 30_000, ...p }) as Params;

  it("reads a URL, a database secret or the separate params", () => {
    expect(connectionTarget(params({ connection_string: "postgresql://a%40b:p%3Aw@db.example.com:6543/app?sslmode=require" }))).toEqual({
      host: "db.example.com",
      port: 6543,
      user: "a@b",
      password: "p:w",
      database: "app",
      sslmode: "require",
      extra: [],
    });
    const secret = { type: "postgres", host: "h.example", username: "u", password: "pw" };
    expect(connectionTarget(params({ connection: secret }))).toMatchObject({ host: "h.example", port: 5432, user: "u", database: "u" });
    expect(connectionTarget(params({ host: "h", user: "me", password: "x", dbname: "d" }))).toMatchObject({
      host: "h",
      user: "me",
      database: "d",
    });
    const target = connectionTarget(params({ connection_string: "postgres://u:p%20w@h/d?options=-c%20x%3D1" }));
    expect(driverUrl(target, "10.0.0.1")).toBe("postgres://u:p%20w@10.0.0.1:5432/d?options=-c+x%3D1");
  });

  it("fails without quoting the string", () => {
    for (const bad of ["mysql://u:secretpw@h/d", "not a url secretpw"]) {
      const error = (() => {
        try {
          connectionTarget(params({ connection_string: bad }));
        } catch (e) {
          return e as NodeError;
        }
        throw new Error("expected a failure");
      })();
      expect(error.code).toBe("invalid_connection");
      expect(error.message).not.toContain("secretpw");
    }
    expect(() => connectionTarget(params({ connection: { type: "mysql", host: "h", username: "u", password: "p" } }))).toThrow(
      /not postgres/,
    );
    expect(() => connectionTarget(params({}))).toThrow(/No connection/);
  });

  it("routes Neon directly, others through the relay, under the address policy", () => {
    const allow = postgresNetwork({ policy: "allow", proxy: "ws://127.0.0.1:8788/v2" });
    expect(allow.route("ep-x-1.us-east-2.aws.neon.tech", 5432)).toEqual({ kind: "neon", hostname: "ep-x-1.us-east-2.aws.neon.tech" });
    expect(allow.route("0x7f.1", 5432)).toEqual({ kind: "relay", hostname: "127.0.0.1", proxy: "ws://127.0.0.1:8788/v2" });
    const deny = postgresNetwork({ policy: "deny", proxy: "ws://relay/v2" });
    expect(() => deny.route("10.1.2.3", 5432)).toThrow(expect.objectContaining({ code: "address_not_allowed", retryable: false }));
    expect(() => postgresNetwork({ policy: "deny", proxy: undefined }).route("db.example.com", 5432)).toThrow(
      expect.objectContaining({ code: "not_available" }),
    );
    expect(isNeonHost("evilneon.tech")).toBe(false);
  });
});

describe("postgres key-value SQL", () => {
  it("quotes table names and refuses anything else", () => {
    expect(quoteTable("app.kv_1")).toBe('"app"."kv_1"');
    expect(() => quoteTable('kv"; DROP TABLE x; --')).toThrow(expect.objectContaining({ code: "invalid_params" }));
  });

  it("builds filters with parameters only", () => {
    const sql = querySql('"kv"', { prefix: "u:", filter: { age: { $gt: 3 }, name: "x'y" }, sort: "-age", limit: 10 });
    expect(sql.values).toEqual(["u:", "age", "3", "name", '"x\'y"', "age", 10]);
    expect(sql.text).not.toContain("x'y");
    expect(sql.text).toMatch(/ORDER BY value -> \$6::text DESC NULLS LAST, key LIMIT \$7$/);
    expect(() => querySql('"kv"', { prefix: undefined, filter: { a: { $regex: "x" } }, sort: undefined, limit: 1 })).toThrow(
      /unknown operator/,
    );
  });

  it("answers query rows with _key", () => {
    expect(withKey("k", { a: 1 })).toEqual({ a: 1, _key: "k" });
    expect(withKey("k", 5)).toEqual({ value: 5, _key: "k" });
  });
});
