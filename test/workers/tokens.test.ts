import { describe, expect, it } from "vitest";
import { call, expectError, signUp } from "../helpers/api";

interface Created {
  id: string;
  token: string;
  prefix: string;
  name: string;
  expires_at: string | null;
}

describe("API tokens", () => {
  it("creates a token shown once, usable as Bearer and in Basic, listed without its value", async () => {
    const user = await signUp();
    const res = await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name: "ci", expires_in_days: 30 } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Created;
    expect(created.token).toMatch(/^frt_[0-9a-z]{40}$/);
    expect(created.token.startsWith(created.prefix)).toBe(true);
    expect(Date.parse(created.expires_at!) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const me = await call("/api/v1/accounts/me", { headers: { Authorization: `Bearer ${created.token}` } });
    expect(((await me.json()) as { id: string }).id).toBe(user.account_id);
    const basic = await call("/api/v1/accounts/me", { headers: { Authorization: `Basic ${btoa(`${user.username}:${created.token}`)}` } });
    expect(basic.status).toBe(200);

    const list = await call("/api/v1/tokens", { headers: user.auth });
    const text = await list.text();
    expect(text).not.toContain(created.token);
    const body = JSON.parse(text) as { tokens: Record<string, unknown>[] };
    expect(body.tokens).toHaveLength(1);
    expect(body.tokens[0]).toMatchObject({ id: created.id, name: "ci", prefix: created.prefix, revoked_at: null });
    expect(body.tokens[0]).not.toHaveProperty("token");
    expect(body.tokens[0]).not.toHaveProperty("token_hash");
  });

  it("stops working at once when revoked", async () => {
    const user = await signUp();
    const created = (await (
      await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name: "short-lived" } })
    ).json()) as Created;
    const bearer = { Authorization: `Bearer ${created.token}` };
    expect((await call("/api/v1/accounts/me", { headers: bearer })).status).toBe(200);
    expect((await call(`/api/v1/tokens/${created.id}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await call("/api/v1/accounts/me", { headers: bearer }), 401, "unauthorized");
    await expectError(await call(`/api/v1/tokens/${created.id}`, { method: "DELETE", headers: user.auth }), 404, "not_found");
  });

  it("does not let one account see or revoke another's tokens, nor use its token with another username", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const created = (await (await call("/api/v1/tokens", { method: "POST", headers: alice.auth, json: { name: "a" } })).json()) as Created;
    const bobs = (await (await call("/api/v1/tokens", { headers: bob.auth })).json()) as { tokens: unknown[] };
    expect(bobs.tokens).toEqual([]);
    await expectError(await call(`/api/v1/tokens/${created.id}`, { method: "DELETE", headers: bob.auth }), 404, "not_found");
    const crossed = `Basic ${btoa(`${bob.username}:${created.token}`)}`;
    await expectError(await call("/api/v1/accounts/me", { headers: { Authorization: crossed } }), 401, "unauthorized");
  });

  it("paginates with an opaque cursor", async () => {
    const user = await signUp();
    for (const name of ["t1", "t2", "t3", "t4", "t5"]) {
      expect((await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name } })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = (await (await call(`/api/v1/tokens${query}`, { headers: user.auth })).json()) as {
        tokens: { name: string }[];
        next_cursor: string | null;
      };
      expect(page.tokens.length).toBeLessThanOrEqual(2);
      seen.push(...page.tokens.map((t) => t.name));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(["t1", "t2", "t3", "t4", "t5"]);
    await expectError(await call("/api/v1/tokens?cursor=garbage!", { headers: user.auth }), 400, "bad_request");
  });

  it("requires authentication", async () => {
    await expectError(await call("/api/v1/tokens"), 401, "unauthorized");
    await expectError(await call("/api/v1/tokens", { method: "POST", json: { name: "x" } }), 401, "unauthorized");
  });
});
