import { describe, expect, it, vi } from "vitest";
import { SecretCache, type SecretCacheOptions, type SecretSource } from "../../../src/services/secret-cache";

type Vault = Record<string, Record<string, unknown>>;

/** An in-memory vault (account → name → value) that records every read and use record it gets. */
function memorySource(vault: Vault) {
  const reads: { account: string; names: readonly string[] | "all" }[] = [];
  const touches: { account: string; names: readonly string[]; at: number }[] = [];
  let failing: Error | null = null;
  let gate: Promise<void> | null = null;
  const source: SecretSource = {
    async read(account, names) {
      reads.push({ account, names: names === "all" ? "all" : [...names] });
      if (gate) await gate;
      if (failing) throw failing;
      const values = vault[account] ?? {};
      const wanted = names === "all" ? Object.keys(values) : names.filter((name) => Object.hasOwn(values, name));
      return new Map(wanted.map((name) => [name, JSON.stringify(values[name])]));
    },
    async touch(account, names, at) {
      touches.push({ account, names: [...names], at });
      if (failing) throw failing;
    },
  };
  return {
    source,
    reads,
    touches,
    fail: (error: Error | null) => (failing = error),
    /** Holds reads until the returned function is called. */
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

function setup(vault: Vault, options: Partial<SecretCacheOptions> = {}) {
  const memory = memorySource(vault);
  const clock = { now: 1_000_000 };
  const deferred: Promise<unknown>[] = [];
  const cache = new SecretCache(memory.source, { now: () => clock.now, defer: (work) => deferred.push(work), ...options });
  return { ...memory, cache, clock, deferred };
}

describe("SecretCache", () => {
  it("reads and records a secret once for many steps of a run", async () => {
    const t = setup({ acc: { API_KEY: "sk-one-two-three", DB: { password: "pw-4242" } } });
    for (let i = 0; i < 10; i++) {
      t.clock.now += 1_000;
      const out = await t.cache.resolver("acc").resolve(["API_KEY", "DB"]);
      expect(out).toEqual({ API_KEY: "sk-one-two-three", DB: { password: "pw-4242" } });
    }
    expect(t.reads).toEqual([{ account: "acc", names: ["API_KEY", "DB"] }]);
    expect(t.touches).toEqual([{ account: "acc", names: ["API_KEY", "DB"], at: 1_001_000 }]);
    expect(t.deferred).toHaveLength(1);
    expect(t.cache.stats).toEqual({ reads: 1, touches: 1 });
  });

  it("hands each caller its own copy of a structured value", async () => {
    const t = setup({ acc: { DB: { password: "pw-4242" } } });
    const first = (await t.cache.resolver("acc").resolve(["DB"])) as { DB: { password: string } };
    first.DB.password = "changed by a node";
    expect(await t.cache.resolver("acc").resolve(["DB"])).toEqual({ DB: { password: "pw-4242" } });
  });

  it("reads only the names it does not keep", async () => {
    const t = setup({ acc: { A: "value-a", B: "value-b" } });
    await t.cache.resolver("acc").resolve(["A"]);
    expect(await t.cache.resolver("acc").resolve(["A", "B"])).toEqual({ A: "value-a", B: "value-b" });
    expect(t.reads.map((r) => r.names)).toEqual([["A"], ["B"]]);
    expect(t.touches.map((r) => r.names)).toEqual([["A"], ["B"]]);
  });

  it("does not keep absence: a secret created during the run is found by its next read", async () => {
    const vault: Vault = { acc: {} };
    const t = setup(vault);
    expect(await t.cache.resolver("acc").resolve(["LATE"])).toEqual({});
    expect(await t.cache.resolver("acc").resolve(["LATE"])).toEqual({});
    vault.acc!.LATE = "created-later";
    expect(await t.cache.resolver("acc").resolve(["LATE"])).toEqual({ LATE: "created-later" });
    expect(t.reads).toHaveLength(3);
    // Only a secret that was found is recorded as used.
    expect(t.touches.map((r) => r.names)).toEqual([["LATE"]]);
  });

  it("reads the vault again once the lifetime has passed: rotation and deletion reach the run", async () => {
    const vault: Vault = { acc: { KEY: "old-value-1" } };
    const t = setup(vault);
    const resolve = () => t.cache.resolver("acc").resolve(["KEY"]);
    expect(await resolve()).toEqual({ KEY: "old-value-1" });
    vault.acc!.KEY = "new-value-2";
    t.clock.now += 59_999;
    expect(await resolve()).toEqual({ KEY: "old-value-1" });
    t.clock.now += 1;
    expect(await resolve()).toEqual({ KEY: "new-value-2" });
    delete vault.acc!.KEY;
    t.clock.now += 60_000;
    expect(await resolve()).toEqual({});
    expect(t.reads).toHaveLength(3);
  });

  it("records a secret's use at most once per interval however often it is read", async () => {
    const t = setup({ acc: { KEY: "value-1234" } }, { ttlMs: 10_000, touchIntervalMs: 60_000 });
    for (let i = 0; i < 13; i++) {
      await t.cache.resolver("acc").resolve(["KEY"]);
      t.clock.now += 10_000;
    }
    expect(t.reads).toHaveLength(13);
    expect(t.touches.map((r) => r.at)).toEqual([1_000_000, 1_060_000, 1_120_000]);
  });

  it("shares one read among callers asking at the same time", async () => {
    const t = setup({ acc: { KEY: "value-1234" } });
    const release = t.hold();
    const asks = [1, 2, 3].map(() => t.cache.resolver("acc").resolve(["KEY"]));
    release();
    expect(await Promise.all(asks)).toEqual([{ KEY: "value-1234" }, { KEY: "value-1234" }, { KEY: "value-1234" }]);
    expect(t.reads).toHaveLength(1);
  });

  it("a fresh resolver (a retry) reads the vault whatever is kept, and what it read is kept", async () => {
    const vault: Vault = { acc: { KEY: "old-value-1" } };
    const t = setup(vault);
    await t.cache.resolver("acc").resolve(["KEY"]);
    vault.acc!.KEY = "new-value-2";
    expect(await t.cache.resolver("acc", { fresh: true }).resolve(["KEY"])).toEqual({ KEY: "new-value-2" });
    expect(await t.cache.resolver("acc").resolve(["KEY"])).toEqual({ KEY: "new-value-2" });
    expect(t.reads).toHaveLength(2);
    // The second read is within the interval: no second use record.
    expect(t.touches).toHaveLength(1);
  });

  it("reads every secret for dynamic access each time, keeps them for named reads, and forgets deleted ones", async () => {
    const vault: Vault = { acc: { A: "value-a", B: "value-b" } };
    const t = setup(vault);
    expect(await t.cache.resolver("acc").resolve("all")).toEqual({ A: "value-a", B: "value-b" });
    expect(await t.cache.resolver("acc").resolve(["A", "B"])).toEqual({ A: "value-a", B: "value-b" });
    expect(t.reads).toHaveLength(1);
    delete vault.acc!.B;
    expect(await t.cache.resolver("acc").resolve("all")).toEqual({ A: "value-a" });
    expect(await t.cache.resolver("acc").resolve(["B"])).toEqual({});
    expect(t.reads.map((r) => r.names)).toEqual(["all", "all", ["B"]]);
  });

  it("keeps accounts apart", async () => {
    const t = setup({ one: { KEY: "account-one-value" }, two: { KEY: "account-two-value" } });
    expect(await t.cache.resolver("one").resolve(["KEY"])).toEqual({ KEY: "account-one-value" });
    expect(await t.cache.resolver("two").resolve(["KEY"])).toEqual({ KEY: "account-two-value" });
    expect(await t.cache.resolver("three").resolve(["KEY"])).toEqual({});
    expect(t.reads.map((r) => r.account)).toEqual(["one", "two", "three"]);
    expect(t.touches.map((r) => r.account)).toEqual(["one", "two"]);
  });

  it("passes a failed read to its callers and keeps nothing of it", async () => {
    const t = setup({ acc: { KEY: "value-1234" } });
    t.fail(new Error("D1 is down"));
    const asks = [t.cache.resolver("acc").resolve(["KEY"]), t.cache.resolver("acc").resolve(["KEY"])];
    await expect(asks[0]).rejects.toThrow("D1 is down");
    await expect(asks[1]).rejects.toThrow("D1 is down");
    t.fail(null);
    expect(await t.cache.resolver("acc").resolve(["KEY"])).toEqual({ KEY: "value-1234" });
    expect(t.reads).toHaveLength(2);
  });

  it("logs a failed use record instead of failing the step", async () => {
    const t = setup({ acc: { KEY: "value-1234" } });
    t.source.touch = () => Promise.reject(new Error("write refused"));
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await t.cache.resolver("acc").resolve(["KEY"])).toEqual({ KEY: "value-1234" });
      await Promise.all(t.deferred);
      expect(errors).toHaveBeenCalledOnce();
      const line = JSON.parse(String(errors.mock.calls[0]![0])) as Record<string, unknown>;
      expect(line).toMatchObject({ level: "error", message: "recording the use of secrets failed", error_message: "write refused" });
    } finally {
      errors.mockRestore();
    }
  });

  it("reads values past its size bound each time instead of keeping them", async () => {
    const t = setup({ acc: { SMALL: "small-value", BIG: "x".repeat(100) } }, { maxChars: 50 });
    for (let i = 0; i < 3; i++) expect(await t.cache.resolver("acc").resolve(["BIG", "SMALL"])).toMatchObject({ SMALL: "small-value" });
    expect(t.reads.map((r) => r.names)).toEqual([["BIG", "SMALL"], ["BIG"], ["BIG"]]);
  });
});
