/**
 * The behaviour every KeyValueStore provider must show (src/nodes/capabilities/kv.ts). A provider's test
 * file calls `keyValueConformance("D1", (now) => ...)`; `make` gets a clock the suite moves, which the
 * provider must use for expiry, and must return an empty store. The versions, compare-and-set, append,
 * query and namespace cases are in kv-conformance-more.ts.
 */
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../src/lib/json";
import {
  MAX_KEY_BYTES,
  MAX_LIST_LIMIT,
  MAX_VALUE_BYTES,
  type KeyValueLimits,
  type KeyValueStore,
} from "../../../src/nodes/capabilities/kv";
import { keyValueConformanceMore } from "./kv-conformance-more";
import { keyValueConformanceRequests } from "./kv-conformance-requests";

/** `limits` lowers the provider's limits for the tests that reach them. */
export type MakeStore = (now: () => number, limits?: Partial<KeyValueLimits>) => KeyValueStore | Promise<KeyValueStore>;

export function keyValueConformance(name: string, make: MakeStore): void {
  const fresh = async () => {
    const clock = { t: 1_700_000_000_000 };
    const store = await make(() => clock.t);
    return { store, clock };
  };

  /** Every key of a listing, page by page; also checks that no page is larger than asked. */
  const listAll = async (store: KeyValueStore, prefix: string | undefined, limit: number): Promise<string[]> => {
    const keys: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await store.list({ prefix, limit, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.keys.length).toBeLessThanOrEqual(limit);
      keys.push(...page.keys);
      if (page.cursor === null) return keys;
      cursor = page.cursor;
    }
    throw new Error("listing never ended");
  };

  describe(`KeyValueStore conformance: ${name}`, () => {
    describe("get, set, delete", () => {
      it("reads undefined for a key never set", async () => {
        const { store } = await fresh();
        expect(await store.get("missing")).toBeUndefined();
      });

      it.for([
        ["null", null],
        ["false", false],
        ["zero", 0],
        ["negative fraction", -1.5],
        ["empty string", ""],
        ["unicode", "héllo 😀 \u0000 end"],
        ["array", [1, "two", null, [3]]],
        ["object", { a: { b: [true, { c: "d" }] }, "key with spaces": 1 }],
        ["empty object", {}],
      ] as [string, JsonValue][])("round-trips %s", async ([, value]) => {
        const { store } = await fresh();
        await store.set("k", value);
        expect(await store.get("k")).toEqual(value);
      });

      it("keeps its own copy: changing a value after set or after get does not change the store", async () => {
        const { store } = await fresh();
        const value = { list: [1] };
        await store.set("k", value);
        value.list.push(2);
        const read = (await store.get("k")) as { list: number[] };
        read.list.push(3);
        expect(await store.get("k")).toEqual({ list: [1] });
      });

      it("overwrites, and delete reports whether the key was there", async () => {
        const { store } = await fresh();
        await store.set("k", 1);
        await store.set("k", "two");
        expect(await store.get("k")).toBe("two");
        expect(await store.delete("k")).toBe(true);
        expect(await store.get("k")).toBeUndefined();
        expect(await store.delete("k")).toBe(false);
        expect(await store.delete("never")).toBe(false);
      });

      it("treats keys as exact strings (case, spaces, unicode)", async () => {
        const { store } = await fresh();
        await store.set("Key", 1);
        await store.set("key", 2);
        await store.set(" key", 3);
        await store.set("clé", 4);
        expect([await store.get("Key"), await store.get("key"), await store.get(" key"), await store.get("clé")]).toEqual([1, 2, 3, 4]);
        expect(await store.get("cle")).toBeUndefined();
      });
    });

    describe("expiry", () => {
      it("serves a key until its TTL passes, then reads it as absent everywhere", async () => {
        const { store, clock } = await fresh();
        await store.set("session", { user: 1 }, { ttlMs: 1000 });
        await store.set("other", 1);
        clock.t += 999;
        expect(await store.get("session")).toEqual({ user: 1 });
        expect((await store.list()).keys).toEqual(["other", "session"]);
        clock.t += 1;
        expect(await store.get("session")).toBeUndefined();
        expect((await store.list()).keys).toEqual(["other"]);
        expect(await store.delete("session")).toBe(false);
      });

      it("clears the TTL when a key is set again without one, and replaces it when set with one", async () => {
        const { store, clock } = await fresh();
        await store.set("a", 1, { ttlMs: 100 });
        await store.set("a", 2);
        await store.set("b", 1, { ttlMs: 100 });
        await store.set("b", 2, { ttlMs: 10_000 });
        clock.t += 5_000;
        expect([await store.get("a"), await store.get("b")]).toEqual([2, 2]);
        clock.t += 5_000;
        expect([await store.get("a"), await store.get("b")]).toEqual([2, undefined]);
      });

      it.for([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses ttlMs %s", async (ttlMs) => {
        const { store } = await fresh();
        await expect(store.set("k", 1, { ttlMs })).rejects.toMatchObject({ code: "invalid_ttl", retryable: false });
        expect(await store.get("k")).toBeUndefined();
      });
    });

    describe("increment", () => {
      it("starts an absent key at 0, adds, and defaults to 1", async () => {
        const { store } = await fresh();
        expect(await store.increment("n", 5)).toBe(5);
        expect(await store.increment("n", -2)).toBe(3);
        expect(await store.increment("n")).toBe(4);
        expect(await store.increment("n", 0.5)).toBe(4.5);
        expect(await store.get("n")).toBe(4.5);
      });

      it("keeps an existing number's TTL and restarts an expired one without a TTL", async () => {
        const { store, clock } = await fresh();
        await store.set("n", 10, { ttlMs: 1000 });
        expect(await store.increment("n", 1)).toBe(11);
        clock.t += 1000;
        expect(await store.get("n")).toBeUndefined();
        expect(await store.increment("n", 1)).toBe(1);
        clock.t += 1_000_000;
        expect(await store.get("n")).toBe(1);
      });

      it.for([
        ["a string of digits", "5"],
        ["an object", { n: 1 }],
        ["null", null],
        ["a boolean", true],
      ] as [string, JsonValue][])("refuses to increment %s and leaves it unchanged", async ([, value]) => {
        const { store } = await fresh();
        await store.set("v", value);
        await expect(store.increment("v", 1)).rejects.toMatchObject({ code: "not_a_number", retryable: false });
        expect(await store.get("v")).toEqual(value);
      });

      it("refuses a step or a result that is not finite", async () => {
        const { store } = await fresh();
        await expect(store.increment("n", Number.NaN)).rejects.toMatchObject({ code: "invalid_increment" });
        await expect(store.increment("n", Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: "invalid_increment" });
        await store.set("big", Number.MAX_VALUE);
        await expect(store.increment("big", Number.MAX_VALUE)).rejects.toMatchObject({ code: "invalid_increment" });
        expect(await store.get("big")).toBe(Number.MAX_VALUE);
        expect(await store.get("n")).toBeUndefined();
      });

      it("loses no increment when many run at once", async () => {
        const { store } = await fresh();
        await Promise.all(Array.from({ length: 50 }, () => store.increment("hits", 1)));
        expect(await store.get("hits")).toBe(50);
      });
    });

    describe("list", () => {
      it("orders keys by their UTF-8 bytes", async () => {
        const { store } = await fresh();
        const keys = ["b", "😀", "a", "\uff61", "ab", "é", "B", "a b"];
        for (const key of keys) await store.set(key, 1);
        // U+FF61 sorts before U+1F600 in UTF-8, though its UTF-16 unit is larger than a surrogate's.
        expect((await store.list()).keys).toEqual(["B", "a", "a b", "ab", "b", "é", "\uff61", "😀"]);
      });

      it("filters by prefix", async () => {
        const { store } = await fresh();
        for (const key of ["user:1", "user:2", "user", "users:1", "order:1"]) await store.set(key, 1);
        expect((await store.list({ prefix: "user:" })).keys).toEqual(["user:1", "user:2"]);
        expect((await store.list({ prefix: "user" })).keys).toEqual(["user", "user:1", "user:2", "users:1"]);
        expect((await store.list({ prefix: "none" })).keys).toEqual([]);
        expect((await store.list({ prefix: "" })).keys).toHaveLength(5);
      });

      it("pages through every key exactly once, and ends with a null cursor even on a full page", async () => {
        const { store } = await fresh();
        const keys = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`);
        for (const key of [...keys].reverse()) await store.set(key, 1);
        expect(await listAll(store, undefined, 7)).toEqual(keys);
        expect(await listAll(store, undefined, 5)).toEqual(keys);
        const full = await store.list({ limit: 25 });
        expect(full).toEqual({ keys, cursor: null });
        expect(await listAll(store, "k1", 3)).toEqual(keys.filter((k) => k.startsWith("k1")));
      });

      it("treats a cursor as a position: later keys after it appear on the next page", async () => {
        const { store } = await fresh();
        for (const key of ["a", "c", "e"]) await store.set(key, 1);
        const first = await store.list({ limit: 1 });
        expect(first.keys).toEqual(["a"]);
        await store.set("b", 1);
        await store.delete("c");
        const rest = await store.list({ cursor: first.cursor ?? undefined });
        expect(rest).toEqual({ keys: ["b", "e"], cursor: null });
      });

      it(`defaults to 100 keys a page and caps a page at ${MAX_LIST_LIMIT}`, async () => {
        const { store } = await fresh();
        for (let i = 0; i < MAX_LIST_LIMIT + 1; i++) await store.set(`k${String(i).padStart(4, "0")}`, i);
        const page = await store.list();
        expect(page.keys).toHaveLength(100);
        expect(page.cursor).not.toBeNull();
        expect((await store.list({ limit: 5000 })).keys).toHaveLength(MAX_LIST_LIMIT);
        expect((await store.list({ limit: 0 })).keys).toHaveLength(1);
        expect((await store.list({ limit: 2.9 })).keys).toHaveLength(2);
      });

      it("refuses a cursor it did not issue", async () => {
        const { store } = await fresh();
        await expect(store.list({ cursor: "not a cursor!" })).rejects.toMatchObject({ code: "invalid_cursor", retryable: false });
      });
    });

    describe("limits", () => {
      it(`takes keys of up to ${MAX_KEY_BYTES} UTF-8 bytes`, async () => {
        const { store } = await fresh();
        await store.set("x".repeat(MAX_KEY_BYTES), 1);
        await store.set("é".repeat(MAX_KEY_BYTES / 2), 2);
        expect(await store.get("x".repeat(MAX_KEY_BYTES))).toBe(1);
        expect(await store.get("é".repeat(MAX_KEY_BYTES / 2))).toBe(2);
      });

      it.for([
        ["empty", ""],
        ["one byte too long", "x".repeat(MAX_KEY_BYTES + 1)],
        ["too long in UTF-8 only", "é".repeat(MAX_KEY_BYTES / 2 + 1)],
        ["a lone surrogate", "a\ud800b"],
      ] as [string, string][])("refuses a key that is %s, in every method", async ([, key]) => {
        const { store } = await fresh();
        const invalid = { code: "invalid_key", retryable: false };
        await expect(store.set(key, 1)).rejects.toMatchObject(invalid);
        await expect(store.get(key)).rejects.toMatchObject(invalid);
        await expect(store.delete(key)).rejects.toMatchObject(invalid);
        await expect(store.increment(key, 1)).rejects.toMatchObject(invalid);
      });

      it(`takes values of up to ${MAX_VALUE_BYTES} bytes of JSON and refuses larger ones`, async () => {
        const { store } = await fresh();
        const fits = "x".repeat(MAX_VALUE_BYTES - 2); // plus two quotes
        await store.set("k", fits);
        expect(await store.get("k")).toBe(fits);
        await expect(store.set("k", fits + "x")).rejects.toMatchObject({ code: "value_too_large", retryable: false });
        await expect(store.set("k", "é".repeat(MAX_VALUE_BYTES / 2))).rejects.toMatchObject({ code: "value_too_large" });
        expect(await store.get("k")).toBe(fits);
      });

      it("refuses values that are not JSON", async () => {
        const { store } = await fresh();
        await expect(store.set("k", undefined as unknown as JsonValue)).rejects.toMatchObject({ code: "invalid_value", retryable: false });
        await expect(store.set("k", 1n as unknown as JsonValue)).rejects.toMatchObject({ code: "invalid_value" });
        await expect(store.set("k", { a: [Number.NaN] })).rejects.toMatchObject({ code: "invalid_value" });
        await expect(store.set("k", Number.NEGATIVE_INFINITY)).rejects.toMatchObject({ code: "invalid_value" });
        expect(await store.get("k")).toBeUndefined();
      });
    });
    keyValueConformanceMore(name, make);
    keyValueConformanceRequests(name, make);
  });
}
