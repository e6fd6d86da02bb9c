/**
 * The second half of the KeyValueStore conformance suite (see kv-conformance.ts): versions and
 * compare-and-set, append, query, namespaces and the key count limit.
 */
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../src/lib/json";
import type { KeyValueLimits, KeyValueStore } from "../../../src/nodes/capabilities/kv";
import type { MakeStore } from "./kv-conformance";

export function keyValueConformanceMore(name: string, make: MakeStore): void {
  const fresh = async (limits?: Partial<KeyValueLimits>) => {
    const clock = { t: 1_700_000_000_000 };
    const store = await make(() => clock.t, limits);
    return { store, clock };
  };

  const queryAll = async (store: KeyValueStore, options: Parameters<KeyValueStore["query"]>[0]) => {
    const items: { key: string; value: JsonValue }[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await store.query({ ...options, ...(cursor === undefined ? {} : { cursor }) });
      items.push(...page.items);
      if (page.cursor === null) return items;
      cursor = page.cursor;
    }
    throw new Error("query never ended");
  };

  describe(`versions and compare-and-set: ${name}`, () => {
    it("counts every write of a key from 1, and starts again once the key is gone", async () => {
      const { store, clock } = await fresh();
      expect(await store.getEntry("k")).toBeUndefined();
      expect(await store.set("k", null)).toEqual({ version: 1 });
      expect(await store.getEntry("k")).toEqual({ value: null, version: 1, expiresAt: null });
      await store.increment("n");
      await store.increment("n");
      await store.append("l", 1);
      expect((await store.getEntry("n"))?.version).toBe(2);
      expect((await store.getEntry("l"))?.version).toBe(1);
      expect(await store.set("k", 2, { ttlMs: 50 })).toEqual({ version: 2 });
      expect(await store.getEntry("k")).toEqual({ value: 2, version: 2, expiresAt: clock.t + 50 });
      clock.t += 50;
      expect(await store.getEntry("k")).toBeUndefined();
      expect(await store.set("k", 3)).toEqual({ version: 1 });
      await store.delete("k");
      expect(await store.set("k", 4)).toEqual({ version: 1 });
    });

    it("writes only at the expected version, and reports the current one otherwise", async () => {
      const { store } = await fresh();
      expect(await store.set("k", "a", { ifVersion: 0 })).toEqual({ version: 1 });
      await expect(store.set("k", "b", { ifVersion: 0 })).rejects.toMatchObject({
        code: "version_conflict",
        retryable: false,
        details: { key: "k", expected_version: 0, current_version: 1 },
      });
      expect(await store.set("k", "b", { ifVersion: 1 })).toEqual({ version: 2 });
      await expect(store.set("k", "c", { ifVersion: 1 })).rejects.toMatchObject({ code: "version_conflict" });
      await expect(store.set("absent", "c", { ifVersion: 3 })).rejects.toMatchObject({ details: { current_version: 0 } });
      expect(await store.get("k")).toBe("b");
      expect(await store.get("absent")).toBeUndefined();
    });

    it("lets exactly one of two writers at the same version win", async () => {
      const { store } = await fresh();
      await store.set("k", 0);
      const results = await Promise.allSettled([store.set("k", "x", { ifVersion: 1 }), store.set("k", "y", { ifVersion: 1 })]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect((await store.getEntry("k"))?.version).toBe(2);
    });

    it.for([-1, 1.5, Number.NaN])("refuses if_version %s", async (ifVersion) => {
      const { store } = await fresh();
      await expect(store.set("k", 1, { ifVersion })).rejects.toMatchObject({ code: "invalid_version", retryable: false });
    });
  });

  describe(`append: ${name}`, () => {
    it("starts a list, adds to its end atomically, and refuses a value that is not a list", async () => {
      const { store } = await fresh();
      expect(await store.append("l", { a: 1 })).toBe(1);
      expect(await store.append("l", null)).toBe(2);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append("l", i)));
      const list = (await store.get("l")) as JsonValue[];
      expect(list).toHaveLength(22);
      expect(list.slice(0, 2)).toEqual([{ a: 1 }, null]);
      expect([...list.slice(2)].sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await store.set("s", "text");
      await expect(store.append("s", 1)).rejects.toMatchObject({ code: "not_a_list", retryable: false });
      expect(await store.get("s")).toBe("text");
    });

    it("refuses to grow a list past the value size limit", async () => {
      const { store } = await fresh();
      await store.set("l", ["x".repeat(200 * 1024)]);
      await expect(store.append("l", "y".repeat(100 * 1024))).rejects.toMatchObject({ code: "value_too_large" });
      expect(((await store.get("l")) as string[]).length).toBe(1);
    });
  });

  describe(`query: ${name}`, () => {
    const seed = async (store: KeyValueStore) => {
      await store.set("user:1", { name: "ann", age: 31, tags: ["a", "b"], address: { city: "Paris" } });
      await store.set("user:2", { name: "bob", age: 25, tags: ["b"], address: { city: "Lyon" } });
      await store.set("user:3", { name: "cy", age: 40, tags: [], address: { city: "Paris" } });
      await store.set("user:4", "not an object");
      await store.set("order:1", { name: "ann", age: 99 });
    };
    const keysOf = (items: { key: string }[]) => items.map((item) => item.key);

    it("filters JSON fields with every operator", async () => {
      const { store } = await fresh();
      await seed(store);
      const q = async (filter: Record<string, JsonValue>) => keysOf((await store.query({ prefix: "user:", filter })).items);
      expect(await q({ name: "ann" })).toEqual(["user:1"]);
      expect(await q({ age: { $eq: 25 } })).toEqual(["user:2"]);
      expect(await q({ name: { $ne: "ann" } })).toEqual(["user:2", "user:3", "user:4"]);
      expect(await q({ age: { $gt: 31 } })).toEqual(["user:3"]);
      expect(await q({ age: { $gte: 31 } })).toEqual(["user:1", "user:3"]);
      expect(await q({ age: { $lt: 31 } })).toEqual(["user:2"]);
      expect(await q({ age: { $lte: 31, $gt: 25 } })).toEqual(["user:1"]);
      expect(await q({ name: { $in: ["bob", "cy", "zed"] } })).toEqual(["user:2", "user:3"]);
      expect(await q({ tags: { $contains: "b" } })).toEqual(["user:1", "user:2"]);
      expect(await q({ name: { $contains: "o" } })).toEqual(["user:2"]);
      expect(await q({ "address.city": "Paris" })).toEqual(["user:1", "user:3"]);
      expect(await q({ age: { $gt: "30" } })).toEqual([]);
      expect((await store.query({ prefix: "user:1" })).items).toEqual([
        { key: "user:1", value: { name: "ann", age: 31, tags: ["a", "b"], address: { city: "Paris" } } },
      ]);
    });

    it("sorts by a field, ascending or descending, missing fields last", async () => {
      const { store } = await fresh();
      await seed(store);
      expect(keysOf((await store.query({ prefix: "user:", sort: "age" })).items)).toEqual(["user:2", "user:1", "user:3", "user:4"]);
      expect(keysOf((await store.query({ prefix: "user:", sort: "-age" })).items)).toEqual(["user:3", "user:1", "user:2", "user:4"]);
      expect(keysOf((await store.query({ sort: "-age", limit: 2 })).items)).toEqual(["order:1", "user:3"]);
    });

    it("pages with cursors, sorted or not, and never returns an expired value", async () => {
      const { store, clock } = await fresh();
      for (let i = 0; i < 30; i++)
        await store.set(`k${String(i).padStart(2, "0")}`, { i, even: i % 2 === 0 }, i === 4 ? { ttlMs: 10 } : {});
      clock.t += 10;
      const even = await queryAll(store, { filter: { even: true }, limit: 4 });
      expect(even.map((item) => (item.value as { i: number }).i)).toEqual([0, 2, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28]);
      const sorted = await queryAll(store, { filter: { even: true }, sort: "-i", limit: 4 });
      expect(sorted.map((item) => (item.value as { i: number }).i)).toEqual([28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 2, 0]);
    });

    it("stops a scan at the scan limit with a cursor, and refuses a sorted query over more keys", async () => {
      const { store } = await fresh({ queryScanLimit: 5 });
      for (let i = 0; i < 12; i++) await store.set(`k${String(i).padStart(2, "0")}`, { hit: i === 11 });
      const first = await store.query({ filter: { hit: true } });
      expect(first.items).toEqual([]);
      expect(first.cursor).not.toBeNull();
      expect(keysOf(await queryAll(store, { filter: { hit: true } }))).toEqual(["k11"]);
      await expect(store.query({ sort: "hit" })).rejects.toMatchObject({ code: "query_too_large", retryable: false });
      expect((await store.query({ prefix: "k1", sort: "-hit" })).items[0]?.key).toBe("k11");
    });

    it("refuses unknown operators, malformed filters and foreign cursors", async () => {
      const { store } = await fresh();
      await expect(store.query({ filter: { a: { $regex: "x" } } })).rejects.toMatchObject({ code: "invalid_filter", retryable: false });
      await expect(store.query({ filter: { a: { $in: 3 } } })).rejects.toMatchObject({ code: "invalid_filter" });
      await expect(store.query({ filter: { "a..b": 1 } })).rejects.toMatchObject({ code: "invalid_filter" });
      await expect(store.query({ sort: "a", cursor: "YQ" })).rejects.toMatchObject({ code: "invalid_cursor" });
      await expect(store.query({ cursor: "o.3" })).rejects.toMatchObject({ code: "invalid_cursor" });
    });
  });

  describe(`namespaces and the key limit: ${name}`, () => {
    it("keeps namespaces apart", async () => {
      const { store } = await fresh();
      await store.set("k", "default");
      const other = store.namespace("other");
      expect(await other.get("k")).toBeUndefined();
      await other.set("k", "other");
      expect(await store.get("k")).toBe("default");
      expect(await store.namespace("other").get("k")).toBe("other");
      expect((await other.list()).keys).toEqual(["k"]);
      expect(await store.namespace("default").get("k")).toBe("default");
    });

    it.for(["", "a:b", "with space", "x".repeat(65), "é"])("refuses the namespace name %j", async (bad) => {
      const { store } = await fresh();
      expect(() => store.namespace(bad)).toThrow(expect.objectContaining({ code: "invalid_namespace" }));
    });

    it("refuses a new key once the store is full, still takes writes to existing keys, and counts expired keys out", async () => {
      const { store, clock } = await fresh({ maxKeys: 3 });
      await store.set("a", 1);
      await store.set("b", 1, { ttlMs: 10 });
      await store.increment("c");
      await expect(store.set("d", 1)).rejects.toMatchObject({ code: "store_full", retryable: false, details: { max_keys: 3 } });
      await expect(store.increment("d")).rejects.toMatchObject({ code: "store_full" });
      await expect(store.append("d", 1)).rejects.toMatchObject({ code: "store_full" });
      await store.set("a", 2);
      clock.t += 10;
      await store.set("d", 1);
      await store.delete("a");
      await store.set("e", 1);
      expect((await store.list()).keys).toEqual(["c", "d", "e"]);
    });
  });
}
