/** /api/v1/store: the caller's own store, its errors, TTL expiry and the alarm's sweep. */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from "../../../src/nodes/capabilities/kv";
import { call, expectError, signUp, type TestUser } from "../../helpers/api";

const put = (user: TestUser, key: string, body: unknown, query = "") =>
  call(`/api/v1/store/${encodeURIComponent(key)}${query}`, { method: "PUT", headers: user.auth, json: body });
const get = (user: TestUser, key: string, query = "") => call(`/api/v1/store/${encodeURIComponent(key)}${query}`, { headers: user.auth });

describe("/api/v1/store", () => {
  it("sets, reads with version, lists by prefix with cursors, and deletes", async () => {
    const user = await signUp();
    expect(await (await put(user, "user:1", { value: { name: "ann" } })).json()).toEqual({
      key: "user:1",
      namespace: "default",
      version: 1,
    });
    expect(await (await put(user, "user:1", { value: { name: "ann", age: 3 } })).json()).toMatchObject({ version: 2 });
    await put(user, "user:2", { value: null });
    await put(user, "order/1", { value: [1] });
    const res = await get(user, "user:1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ key: "user:1", namespace: "default", value: { name: "ann", age: 3 }, version: 2, expires_at: null });
    expect(await (await get(user, "user:2")).json()).toMatchObject({ value: null, version: 1 });
    expect(await (await get(user, "order/1")).json()).toMatchObject({ value: [1] });

    const first = (await (await call("/api/v1/store?prefix=user:&limit=1", { headers: user.auth })).json()) as {
      keys: string[];
      next_cursor: string;
    };
    expect(first.keys).toEqual(["user:1"]);
    const second = await (await call(`/api/v1/store?prefix=user:&limit=1&cursor=${first.next_cursor}`, { headers: user.auth })).json();
    expect(second).toEqual({ keys: ["user:2"], next_cursor: null });

    const del = await call("/api/v1/store/user%3A1", { method: "DELETE", headers: user.auth });
    expect(await del.json()).toEqual({ key: "user:1", namespace: "default", deleted: true });
    await expectError(await get(user, "user:1"), 404, "not_found");
    expect(await (await call("/api/v1/store/user%3A1", { method: "DELETE", headers: user.auth })).json()).toMatchObject({ deleted: false });
  });

  it("keeps namespaces apart and refuses bad namespace names", async () => {
    const user = await signUp();
    await put(user, "k", { value: "a" }, "?namespace=one");
    await expectError(await get(user, "k"), 404, "not_found");
    expect(await (await get(user, "k", "?namespace=one")).json()).toMatchObject({ value: "a", namespace: "one" });
    const bad = await expectError(await get(user, "k", "?namespace=a:b"), 400, "bad_request");
    expect(bad.message).toContain("namespace");
  });

  it("isolates accounts: another account's keys are never seen, listed or changed", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    await put(alice, "secret-plan", { value: 1 });
    await expectError(await get(bob, "secret-plan"), 404, "not_found");
    expect(await (await call("/api/v1/store", { headers: bob.auth })).json()).toEqual({ keys: [], next_cursor: null });
    await put(bob, "secret-plan", { value: 2 });
    expect(await (await get(alice, "secret-plan")).json()).toMatchObject({ value: 1, version: 1 });
    await expectError(await call("/api/v1/store/x"), 401, "unauthorized");
  });

  it("compare-and-set: a stale if_version is 412 with the current version, and nothing is written", async () => {
    const user = await signUp();
    expect((await put(user, "doc", { value: "a", if_version: 0 })).status).toBe(200);
    const stale = await expectError(await put(user, "doc", { value: "b", if_version: 0 }), 412, "precondition_failed");
    expect(stale.details).toEqual({ key: "doc", expected_version: 0, current_version: 1 });
    expect(await (await put(user, "doc", { value: "c", if_version: 1 })).json()).toMatchObject({ version: 2 });
    expect(await (await get(user, "doc")).json()).toMatchObject({ value: "c", version: 2 });
  });

  it("enforces the limits with clear errors", async () => {
    const user = await signUp();
    const long = await expectError(await put(user, "x".repeat(MAX_KEY_BYTES + 1), { value: 1 }), 400, "bad_request");
    expect(long).toMatchObject({ message: `A key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`, details: { reason: "invalid_key" } });
    const big = await expectError(await put(user, "big", { value: "x".repeat(MAX_VALUE_BYTES) }), 400, "bad_request");
    expect(big.details).toEqual({ reason: "value_too_large" });
    await expectError(await put(user, "k", { value: 1, ttl: "soon" }), 400, "bad_request");
    await expectError(await put(user, "k", { value: 1, if_version: -1 }), 400, "validation_failed");
    await expectError(await put(user, "k", {}), 400, "validation_failed");
    await expectError(await call("/api/v1/store?cursor=%21%21", { headers: user.auth }), 400, "bad_request");
  });

  it("never reads an expired key, and the object's alarm sweeps it from storage", async () => {
    const user = await signUp();
    const set = await put(user, "short", { value: 1, ttl: 0.05 });
    expect(set.status).toBe(200);
    expect(await (await get(user, "short")).json()).toMatchObject({ value: 1, expires_at: expect.any(String) });
    await put(user, "long", { value: 2, ttl: "1h" });
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expectError(await get(user, "short"), 404, "not_found");
    expect(await (await call("/api/v1/store", { headers: user.auth })).json()).toEqual({ keys: ["long"], next_cursor: null });

    const stub = env.STORE.get(env.STORE.idFromName(`${user.account_id}:default`));
    const rows = () =>
      runInDurableObject(stub, (_o, state) =>
        state.storage.sql
          .exec("SELECT key FROM kv ORDER BY key")
          .toArray()
          .map((r) => r.key),
      );
    // The alarm may already have fired on its own; either way the expired row ends up gone.
    for (let i = 0; i < 20 && (await rows()).includes("short"); i++) await runDurableObjectAlarm(stub);
    expect(await rows()).toEqual(["long"]);
    const next = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 59 * 60_000);
  });
});
