import { describe, expect, it } from "vitest";
import { call, expectError, signUp, uniqueName } from "../helpers/api";

describe("sign-up", () => {
  it("creates an account and never returns the password hash", async () => {
    const username = uniqueName();
    const res = await call("/api/v1/accounts", { method: "POST", json: { username, password: "s3cret-passw0rd" } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.username).toBe(username);
    expect(body.id).toMatch(/^acc_[0-9a-z]{25}$/);
    expect(Object.keys(body).sort()).toEqual(["created_at", "id", "updated_at", "username"]);
  });

  it("rejects a taken username case-insensitively with 409", async () => {
    const username = uniqueName();
    await signUp(username);
    const res = await call("/api/v1/accounts", {
      method: "POST",
      json: { username: username.toUpperCase(), password: "another-password" },
    });
    await expectError(res, 409, "conflict");
  });

  it.for([
    [{ password: "long enough password" }, "username"],
    [{ username: "ab", password: "long enough password" }, "username"],
    [{ username: "valid-name", password: "short" }, "password"],
    [{ username: "bad name!", password: "long enough password" }, "username"],
  ] as const)("validates %o and names the field", async ([body, field]) => {
    const error = await expectError(await call("/api/v1/accounts", { method: "POST", json: body }), 400, "validation_failed");
    const details = error.details as { fields: { path: string }[] };
    expect(details.fields.map((f) => f.path)).toContain(field);
  });
});

describe("login", () => {
  it("returns a JWT with account id, username and expiry", async () => {
    const user = await signUp();
    const res = await call("/api/v1/login", { method: "POST", json: { username: user.username, password: user.password } });
    const body = (await res.json()) as { token: string; account_id: string; username: string; expires_at: string };
    expect(body.account_id).toBe(user.account_id);
    expect(body.username).toBe(user.username);
    expect(body.token.split(".")).toHaveLength(3);
    const expiresIn = Date.parse(body.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(23 * 3600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3600_000);
  });

  it("gives the same 401 for a wrong password and an unknown user", async () => {
    const user = await signUp();
    const wrong = await expectError(
      await call("/api/v1/login", { method: "POST", json: { username: user.username, password: "nope-nope-nope" } }),
      401,
      "unauthorized",
    );
    const unknown = await expectError(
      await call("/api/v1/login", { method: "POST", json: { username: uniqueName(), password: "nope-nope-nope" } }),
      401,
      "unauthorized",
    );
    expect(wrong.message).toBe(unknown.message);
  });

  it("throttles repeated failures per username with 429 and Retry-After, even for the right password", async () => {
    const user = await signUp();
    for (let i = 0; i < 10; i++) {
      const res = await call("/api/v1/login", {
        method: "POST",
        json: { username: user.username, password: `wrong-${i}-password` },
        headers: { "CF-Connecting-IP": `198.51.100.${i}` },
      });
      expect(res.status).toBe(401);
    }
    const blocked = await call("/api/v1/login", {
      method: "POST",
      json: { username: user.username, password: user.password },
      headers: { "CF-Connecting-IP": "198.51.100.200" },
    });
    await expectError(blocked, 429, "rate_limited");
    const retryAfter = Number(blocked.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it("throttles repeated failures per client address across usernames", async () => {
    const ip = "203.0.113.77";
    for (let i = 0; i < 10; i++) {
      const res = await call("/api/v1/login", {
        method: "POST",
        json: { username: uniqueName(), password: "whatever-pass" },
        headers: { "CF-Connecting-IP": ip },
      });
      expect(res.status).toBe(401);
    }
    const user = await signUp();
    const blocked = await call("/api/v1/login", {
      method: "POST",
      json: { username: user.username, password: user.password },
      headers: { "CF-Connecting-IP": ip },
    });
    await expectError(blocked, 429, "rate_limited");
    const elsewhere = await call("/api/v1/login", {
      method: "POST",
      json: { username: user.username, password: user.password },
      headers: { "CF-Connecting-IP": "203.0.113.78" },
    });
    expect(elsewhere.status).toBe(200);
  });
});

describe("GET /api/v1/accounts/me", () => {
  it("returns the caller with a JWT, with Basic password, and rejects without credentials", async () => {
    const user = await signUp();
    const viaJwt = await call("/api/v1/accounts/me", { headers: user.auth });
    expect(((await viaJwt.json()) as { id: string }).id).toBe(user.account_id);

    const basic = `Basic ${btoa(`${user.username}:${user.password}`)}`;
    const viaBasic = await call("/api/v1/accounts/me", { headers: { Authorization: basic } });
    expect(((await viaBasic.json()) as { username: string }).username).toBe(user.username);

    const none = await call("/api/v1/accounts/me");
    await expectError(none, 401, "unauthorized");
    expect(none.headers.get("WWW-Authenticate")).toMatch(/Bearer/);
  });

  it.for([
    "Bearer not-a-token",
    "Bearer eyJhbGciOiJIUzI1NiJ9.e30.xxxx",
    "Basic !!!",
    "Basic " + btoa("nobody-here:password-x"),
    "Token abc",
    "Bearer",
  ])("rejects %s with 401", async (header) => {
    await expectError(await call("/api/v1/accounts/me", { headers: { Authorization: header } }), 401, "unauthorized");
  });
});

describe("forged and stale JWTs", () => {
  const b64 = (v: unknown) => btoa(JSON.stringify(v)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

  it("rejects alg none, a foreign key, expired and not-yet-valid tokens through the API", async () => {
    const user = await signUp();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.account_id, username: user.username, iat: now, nbf: now, exp: now + 3600, iss: "flowrunner" };
    const [, , signature] = user.token.split(".");
    const forged = [
      `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
      `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.${signature}`,
      `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ ...claims, exp: now - 120 })}.${signature}`,
      `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ ...claims, nbf: now + 600 })}.${signature}`,
    ];
    for (const token of forged) {
      await expectError(await call("/api/v1/accounts/me", { headers: { Authorization: `Bearer ${token}` } }), 401, "unauthorized");
    }
    expect((await call("/api/v1/accounts/me", { headers: user.auth })).status).toBe(200);
  });
});
