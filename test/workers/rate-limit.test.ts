import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig, type Env } from "../../src/env";
import worker from "../../src/index";
import { BASE, call, expectError, signUp, type TestUser } from "../helpers/api";

/**
 * The suite runs with the default limit (600 a minute), which no other test
 * comes near. These tests call the Worker with a small limit set through the
 * same variables a deployment would use, on the same Durable Objects.
 */
async function limited(path: string, vars: Partial<Env>, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const small = { RATE_LIMIT_REQUESTS: "3", RATE_LIMIT_WINDOW_SECONDS: "60" };
const me = (user: TestUser, vars: Partial<Env> = small) => limited("/api/v1/accounts/me", vars, { headers: user.auth });

describe("configuration", () => {
  it("defaults to 600 requests a minute, takes 0 to switch the limit off, and ignores nonsense", () => {
    const base = { ...env } as Env;
    expect(parseConfig({ ...base, RATE_LIMIT_REQUESTS: undefined, RATE_LIMIT_WINDOW_SECONDS: undefined })).toMatchObject({
      rateLimitRequests: 600,
      rateLimitWindowSeconds: 60,
    });
    expect(parseConfig({ ...base, RATE_LIMIT_REQUESTS: "0" }).rateLimitRequests).toBe(0);
    expect(parseConfig({ ...base, RATE_LIMIT_REQUESTS: "25", RATE_LIMIT_WINDOW_SECONDS: "10" })).toMatchObject({
      rateLimitRequests: 25,
      rateLimitWindowSeconds: 10,
    });
    expect(parseConfig({ ...base, RATE_LIMIT_REQUESTS: "-5", RATE_LIMIT_WINDOW_SECONDS: "soon" })).toMatchObject({
      rateLimitRequests: 600,
      rateLimitWindowSeconds: 60,
    });
  });
});

describe("per-account API rate limit", () => {
  it("answers 429 rate_limited with Retry-After once the account's requests for the window are spent", async () => {
    const user = await signUp();
    for (let i = 0; i < 3; i++) expect((await me(user)).status).toBe(200);
    const blocked = await me(user);
    const error = await expectError(blocked, 429, "rate_limited");
    const retryAfter = Number(blocked.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(error.details).toEqual({ retry_after: retryAfter });
    // Refused requests are not counted, and the answer stays the same.
    await expectError(await me(user), 429, "rate_limited");
  });

  it("leaves other accounts alone", async () => {
    const [noisy, quiet] = await Promise.all([signUp(), signUp()]);
    for (let i = 0; i < 3; i++) expect((await me(noisy)).status).toBe(200);
    await expectError(await me(noisy), 429, "rate_limited");
    for (let i = 0; i < 3; i++) expect((await me(quiet)).status).toBe(200);
    // The noisy account's API token is the same account: also limited.
    const token = (await (await call("/api/v1/tokens", { method: "POST", headers: noisy.auth, json: { name: "ci" } })).json()) as {
      token: string;
    };
    await expectError(await limited("/api/v1/flows", small, { headers: { Authorization: `Bearer ${token.token}` } }), 429, "rate_limited");
  });

  it("counts a request once even where two route patterns match its path", async () => {
    const user = await signUp();
    // GET /api/v1/flows is covered by both `/api/v1/flows` and `/api/v1/flows/*`.
    for (let i = 0; i < 3; i++) expect((await limited("/api/v1/flows", small, { headers: user.auth })).status).toBe(200);
    await expectError(await limited("/api/v1/flows", small, { headers: user.auth }), 429, "rate_limited");
  });

  it("does not count requests that fail authentication, nor limit public routes", async () => {
    const user = await signUp();
    for (let i = 0; i < 5; i++) {
      await expectError(
        await limited("/api/v1/accounts/me", small, { headers: { Authorization: "Bearer frt_nottherightoneatall" } }),
        401,
        "unauthorized",
      );
    }
    for (let i = 0; i < 3; i++) expect((await me(user)).status).toBe(200);
    await expectError(await me(user), 429, "rate_limited");
    expect((await limited("/health", small)).status).toBe(200);
    const login = await limited("/api/v1/login", small, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(login.status).toBe(200);
  });

  it("opens again when the window ends", async () => {
    const user = await signUp();
    const quick = { RATE_LIMIT_REQUESTS: "2", RATE_LIMIT_WINDOW_SECONDS: "1" };
    for (let i = 0; i < 2; i++) expect((await me(user, quick)).status).toBe(200);
    const blocked = await me(user, quick);
    await expectError(blocked, 429, "rate_limited");
    expect(blocked.headers.get("Retry-After")).toBe("1");
    await new Promise((r) => setTimeout(r, 1100));
    expect((await me(user, quick)).status).toBe(200);
  });

  it("is off with RATE_LIMIT_REQUESTS=0", async () => {
    const user = await signUp();
    for (let i = 0; i < 3; i++) expect((await me(user)).status).toBe(200);
    await expectError(await me(user), 429, "rate_limited");
    for (let i = 0; i < 5; i++) expect((await me(user, { RATE_LIMIT_REQUESTS: "0" })).status).toBe(200);
  });
});
