/**
 * KeyValueStore conformance, continued (see kv-conformance.ts): writes with a request id are applied
 * once, which is what lets a run replay a `store` step after a crash without a checkpoint before it.
 */
import { describe, expect, it } from "vitest";
import { REQUEST_ID_WINDOW_MS } from "../../../src/nodes/capabilities/kv";
import type { MakeStore } from "./kv-conformance";

export function keyValueConformanceRequests(name: string, make: MakeStore): void {
  const fresh = async () => {
    const clock = { t: 1_700_000_000_000 };
    return { store: await make(() => clock.t), clock };
  };

  describe(`request ids: ${name}`, () => {
    it("applies a set once per request id, answering a replay as the first call was answered", async () => {
      const { store } = await fresh();
      expect(await store.set("k", { n: 1 }, { requestId: "run-1:s:1" })).toEqual({ version: 1 });
      expect(await store.set("k", { n: 1 }, { requestId: "run-1:s:1" })).toEqual({ version: 1 });
      expect(await store.getEntry("k")).toMatchObject({ value: { n: 1 }, version: 1 });
      // The same id with other arguments is another write, not a replay.
      expect(await store.set("k", { n: 2 }, { requestId: "run-1:s:1" })).toEqual({ version: 2 });
      expect(await store.set("k", { n: 2 }, { requestId: "run-1:s:2" })).toEqual({ version: 3 });
    });

    it("counts a replayed increment and append once, and a new request id again", async () => {
      const { store } = await fresh();
      expect(await store.increment("n", 5, { requestId: "a" })).toBe(5);
      expect(await store.increment("n", 5, { requestId: "a" })).toBe(5);
      expect(await store.increment("n", 5, { requestId: "b" })).toBe(10);
      expect(await store.increment("n", 5)).toBe(15);
      expect(await store.get("n")).toBe(15);
      expect(await store.append("l", "x", { requestId: "a" })).toBe(1);
      expect(await store.append("l", "x", { requestId: "a" })).toBe(1);
      expect(await store.get("l")).toEqual(["x"]);
    });

    it("answers a replayed delete as before, without deleting what was written since", async () => {
      const { store } = await fresh();
      await store.set("k", 1);
      expect(await store.delete("k", { requestId: "d" })).toBe(true);
      await store.set("k", 2);
      expect(await store.delete("k", { requestId: "d" })).toBe(true);
      expect(await store.get("k")).toBe(2);
    });

    it("keeps no record of a write that failed, so its replay runs again", async () => {
      const { store } = await fresh();
      await store.set("n", "text");
      await expect(store.increment("n", 1, { requestId: "r" })).rejects.toMatchObject({ code: "not_a_number" });
      await store.set("n", 1);
      expect(await store.increment("n", 1, { requestId: "r" })).toBe(2);
      await expect(store.set("v", 1, { ifVersion: 3, requestId: "c" })).rejects.toMatchObject({ code: "version_conflict" });
      expect(await store.set("v", 1, { ifVersion: 0, requestId: "c" })).toEqual({ version: 1 });
    });

    it("forgets a request id after the window", async () => {
      const { store, clock } = await fresh();
      expect(await store.increment("n", 1, { requestId: "w" })).toBe(1);
      clock.t += REQUEST_ID_WINDOW_MS - 1;
      expect(await store.increment("n", 1, { requestId: "w" })).toBe(1);
      clock.t += 1;
      expect(await store.increment("n", 1, { requestId: "w" })).toBe(2);
    });

    it.for(["", "x".repeat(513)])("refuses the request id %#", async (bad) => {
      const { store } = await fresh();
      await expect(store.set("k", 1, { requestId: bad })).rejects.toMatchObject({ code: "invalid_request_id", retryable: false });
      expect(await store.get("k")).toBeUndefined();
    });
  });
}
