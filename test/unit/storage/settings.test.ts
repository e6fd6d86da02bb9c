import { describe, expect, it } from "vitest";
import { splitUtf8 } from "../../../src/storage/dynamodb/flows";
import { StorageConfigError, storageSettings } from "../../../src/storage/settings";

const fakeD1 = {} as D1Database;
const dynamo = { DYNAMODB_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "secret" };

describe("storage settings", () => {
  it("defaults to D1 and needs its binding", () => {
    expect(storageSettings({ DB: fakeD1 })).toEqual({ provider: "d1", db: fakeD1 });
    expect(storageSettings({ STORAGE_PROVIDER: " D1 ", DB: fakeD1 }).provider).toBe("d1");
    expect(() => storageSettings({})).toThrow(/D1 binding DB is missing/);
  });

  it("rejects an unknown provider by name", () => {
    expect(() => storageSettings({ STORAGE_PROVIDER: "mysql", DB: fakeD1 })).toThrow(StorageConfigError);
    expect(() => storageSettings({ STORAGE_PROVIDER: "mysql" })).toThrow(/STORAGE_PROVIDER is "mysql"; use one of d1, postgres, dynamodb/);
  });

  it("checks the Postgres settings", () => {
    expect(
      storageSettings({ STORAGE_PROVIDER: "postgres", DATABASE_URL: "postgres://u:p@ep-x.eu-central-1.aws.neon.tech/db?sslmode=require" }),
    ).toEqual({
      provider: "postgres",
      url: "postgres://u:p@ep-x.eu-central-1.aws.neon.tech/db?sslmode=require",
      wsProxy: undefined,
    });
    expect(() => storageSettings({ STORAGE_PROVIDER: "postgres" })).toThrow(/DATABASE_URL is not set/);
    expect(() => storageSettings({ STORAGE_PROVIDER: "postgres", DATABASE_URL: "mysql://x/y" })).toThrow(
      /DATABASE_URL must look like postgres:/,
    );
    expect(() => storageSettings({ STORAGE_PROVIDER: "postgres", DATABASE_URL: "postgres://root@127.0.0.1:5432/test" })).toThrow(
      /set NEON_WS_PROXY/,
    );
    expect(() =>
      storageSettings({
        STORAGE_PROVIDER: "postgres",
        DATABASE_URL: "postgres://root@127.0.0.1/test",
        NEON_WS_PROXY: "http://127.0.0.1:1/v2",
      }),
    ).toThrow(/NEON_WS_PROXY must be a ws:\/\/ or wss:\/\/ URL/);
    expect(
      storageSettings({
        STORAGE_PROVIDER: "postgres",
        DATABASE_URL: "postgres://root@127.0.0.1/test",
        NEON_WS_PROXY: "ws://127.0.0.1:8788/v2",
      }),
    ).toMatchObject({
      wsProxy: "ws://127.0.0.1:8788/v2",
    });
  });

  it("checks the DynamoDB settings and lists every problem at once", () => {
    expect(storageSettings({ STORAGE_PROVIDER: "dynamodb", ...dynamo })).toEqual({
      provider: "dynamodb",
      endpoint: "https://dynamodb.eu-west-1.amazonaws.com",
      region: "eu-west-1",
      table: "flowrunner",
      accessKeyId: "AKIA",
      secretAccessKey: "secret",
      sessionToken: undefined,
    });
    expect(
      storageSettings({ STORAGE_PROVIDER: "dynamodb", ...dynamo, DYNAMODB_ENDPOINT: "http://127.0.0.1:8000", DYNAMODB_TABLE: "fr-test" }),
    ).toMatchObject({
      endpoint: "http://127.0.0.1:8000",
      table: "fr-test",
    });
    const error = (() => {
      try {
        storageSettings({ STORAGE_PROVIDER: "dynamodb", DYNAMODB_TABLE: "x" });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message).toMatch(/DYNAMODB_REGION is not set/);
    expect(error?.message).toMatch(/DYNAMODB_TABLE must be/);
    expect(error?.message).toMatch(/AWS_ACCESS_KEY_ID is not set/);
    expect(error?.message).toMatch(/AWS_SECRET_ACCESS_KEY is not set/);
    expect(() => storageSettings({ STORAGE_PROVIDER: "dynamodb", ...dynamo, DYNAMODB_ENDPOINT: "dynamodb.local" })).toThrow(
      /DYNAMODB_ENDPOINT must be/,
    );
  });
});

describe("DynamoDB content chunks", () => {
  const bytes = (s: string) => new TextEncoder().encode(s).length;

  it("splits text into pieces under the byte limit without cutting a character", () => {
    const text = "aé✓🚀".repeat(1000);
    for (const limit of [4, 5, 7, 100, 1024]) {
      const parts = splitUtf8(text, limit);
      expect(parts.join("")).toBe(text);
      for (const part of parts) {
        expect(bytes(part)).toBeLessThanOrEqual(limit);
        expect(part.length).toBeGreaterThan(0);
        expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
      }
    }
    expect(splitUtf8("", 10)).toEqual([""]);
    expect(splitUtf8("abc", 3)).toEqual(["abc"]);
  });
});
