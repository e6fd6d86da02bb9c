/** Readiness per check, and production mode's refusal to serve on development secrets (docs/operations.md#readiness). */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { configureLogging, consoleSink, parseLogLevel, type LogLevel } from "../../src/lib/log";
import { deliver } from "../helpers/inbound-email";
import worker from "../../src/index";
import { base64UrlEncode } from "../../src/lib/encoding";
import { LATEST_MIGRATION } from "../../src/storage/readiness";
import { BASE, call, expectError, uniqueName, yaml } from "../helpers/api";
import { version } from "../../package.json";

interface Check {
  name: string;
  ok: boolean;
  message: string;
  fix?: string;
}
interface Ready {
  status: string;
  mode: string;
  checks: Check[];
}

/** The Worker with some bindings changed, as a deployment with that configuration would run it. */
async function fetchWith(bindings: Partial<typeof env>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", `203.0.113.${Math.floor(Math.random() * 250) + 1}`);
  const res = await worker.fetch(new Request(`${BASE}${path}`, { ...init, headers }), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function readyWith(bindings: Partial<typeof env>): Promise<{ status: number; body: Ready; text: string }> {
  const res = await fetchWith(bindings, "/ready");
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Ready, text };
}

const check = (body: Ready, name: string) => body.checks.find((c) => c.name === name)!;
const realMasterKey = () => `k1:${base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)))}`;

describe("GET /health", () => {
  it("says the service is up and which version it runs", async () => {
    for (const path of ["/health", "/api/v1/health"]) {
      const body = (await (await call(path)).json()) as { status: string; version: string; time: string };
      expect(body).toEqual({ status: "ok", version, time: expect.any(String) as string });
      expect(version).toMatch(/^\d+\.\d+\.\d+/);
    }
  });
});

describe("GET /ready", () => {
  it("is ready when every check passes, on both paths", async () => {
    for (const path of ["/ready", "/api/v1/ready"]) {
      const res = await call(path);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Ready;
      expect(body).toMatchObject({ status: "ready", mode: "development" });
      expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
        ["storage", true],
        ["migrations", true],
        ["vault", true],
        ["secrets", true],
      ]);
    }
  });

  it("is not ready while the newest migration is not applied", async () => {
    const applied = await env.DB.prepare("SELECT id, name, applied_at FROM d1_migrations WHERE name = ?").bind(LATEST_MIGRATION).first();
    expect(applied).not.toBeNull();
    await env.DB.prepare("DELETE FROM d1_migrations WHERE name = ?").bind(LATEST_MIGRATION).run();
    try {
      const { status, body } = await readyWith({});
      expect(status).toBe(503);
      expect(body.status).toBe("not_ready");
      expect(check(body, "storage").ok).toBe(true);
      expect(check(body, "migrations")).toMatchObject({ ok: false, message: `${LATEST_MIGRATION} is not applied` });
      expect(check(body, "migrations").fix).toContain("d1 migrations apply");
    } finally {
      await env.DB.prepare("INSERT INTO d1_migrations (id, name, applied_at) VALUES (?, ?, ?)")
        .bind(applied!.id, applied!.name, applied!.applied_at)
        .run();
    }
    expect((await readyWith({})).status).toBe(200);
  });

  it("is not ready when the store does not answer or is not configured, without showing its credentials", async () => {
    const down = await readyWith({
      STORAGE_PROVIDER: "postgres",
      DATABASE_URL: "postgres://flow:pw-very-secret@127.0.0.1:1/flowrunner",
      NEON_WS_PROXY: "ws://127.0.0.1:1/v2",
    });
    expect(down.status).toBe(503);
    expect(check(down.body, "storage")).toMatchObject({ ok: false });
    expect(check(down.body, "storage").message).toMatch(/^postgres did not answer/);
    expect(check(down.body, "migrations").ok).toBe(false);
    expect(down.text).not.toContain("pw-very-secret");

    const unset = await readyWith({ STORAGE_PROVIDER: "dynamodb" });
    expect(unset.status).toBe(503);
    expect(check(unset.body, "storage").message).toContain("DYNAMODB_REGION is not set");
  });

  it("is not ready when the vault's master keys do not parse", async () => {
    const { status, body, text } = await readyWith({ VAULT_MASTER_KEYS: "k1:c2hvcnQ" });
    expect(status).toBe(503);
    expect(check(body, "vault")).toMatchObject({ ok: false, message: "VAULT_MASTER_KEYS key 'k1' must be 32 bytes, not 5" });
    expect(text).not.toContain("c2hvcnQ");
    const missingActive = await readyWith({ VAULT_MASTER_KEYS: realMasterKey(), VAULT_ACTIVE_KEY_ID: "k9" });
    expect(check(missingActive.body, "vault").ok).toBe(false);
  });
});

describe("production mode", () => {
  afterEach(() => configureLogging({ level: parseLogLevel(env.LOG_LEVEL), sink: consoleSink }));

  it("refuses every request but liveness and readiness while a development secret is in use, naming what to set", async () => {
    const production = { FLOWRUNNER_ENV: "production" };
    const refused = await fetchWith(production, "/api/v1/flows");
    const error = await expectError(refused, 503, "insecure_configuration");
    expect(error.details).toEqual({ missing: ["VAULT_MASTER_KEYS"] });
    expect(error.message).toContain("wrangler secret put VAULT_MASTER_KEYS");
    await expectError(await fetchWith(production, "/hooks/trg_x", { method: "POST" }), 503, "insecure_configuration");
    await expectError(
      await fetchWith(production, "/api/v1/accounts", { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } }),
      503,
      "insecure_configuration",
    );

    const bothMissing = await expectError(
      await fetchWith({ ...production, JWT_SECRET: "" }, "/api/v1/flows"),
      503,
      "insecure_configuration",
    );
    expect(bothMissing.details).toEqual({ missing: ["JWT_SECRET", "VAULT_MASTER_KEYS"] });

    expect((await fetchWith(production, "/health")).status).toBe(200);
    const ready = await readyWith(production);
    expect(ready.status).toBe(503);
    expect(ready.body.mode).toBe("production");
    expect(check(ready.body, "secrets")).toMatchObject({ ok: false, fix: "wrangler secret put VAULT_MASTER_KEYS" });
    expect(ready.text).not.toContain(env.JWT_SECRET!);
  });

  it("rejects inbound mail and skips the minute cron while a development secret is in use", async () => {
    const lines: { level: LogLevel; line: { message: string; missing?: string[] } }[] = [];
    configureLogging({ level: "debug", sink: (level, text) => lines.push({ level, line: JSON.parse(text) as { message: string } }) });
    const production = { FLOWRUNNER_ENV: "production" };
    const mail = { from: "sender@example.com", to: `trg_${uniqueName()}@flows.example.com`, subject: "hi", text: "hello" };

    const refused = await deliver(mail, production);
    expect(refused.rejected).toBe("The service is not configured to receive mail; try again later");
    // In development the same message is judged on its address: no flow receives it.
    const judged = await deliver(mail);
    expect(judged.rejected).not.toBeNull();
    expect(judged.rejected).not.toBe(refused.rejected);

    const tick = async (bindings: Partial<typeof env>) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), { ...env, ...bindings }, ctx);
      await waitOnExecutionContext(ctx);
    };
    await tick(production);
    await tick({});
    const skipped = lines.filter((l) => l.line.message === "minute cron skipped: production mode with development secrets");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ level: "error", line: { missing: ["VAULT_MASTER_KEYS"] } });
    expect(lines.some((l) => l.line.message === "inbound mail refused: production mode with development secrets")).toBe(true);
  });

  it("serves normally with real secrets", async () => {
    const jwtSecret = base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
    const masterKey = realMasterKey();
    const production = { FLOWRUNNER_ENV: "production", JWT_SECRET: jwtSecret, VAULT_MASTER_KEYS: masterKey };
    const ready = await readyWith(production);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", mode: "production" });
    expect(ready.text).not.toContain(jwtSecret);
    expect(ready.text).not.toContain(masterKey.slice(3));

    const json = (body: unknown, headers: Record<string, string> = {}) => ({
      method: "POST",
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", ...headers },
    });
    const username = uniqueName();
    expect((await fetchWith(production, "/api/v1/accounts", json({ username, password: "correct horse battery" }))).status).toBe(201);
    const login = await fetchWith(production, "/api/v1/login", json({ username, password: "correct horse battery" }));
    expect(login.status).toBe(200);
    const auth = { Authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const secret = await fetchWith(production, "/api/v1/accounts/me/secrets/GREETING", {
      ...json({ value: "hello" }, auth),
      method: "PUT",
    });
    expect([200, 201]).toContain(secret.status);
    const saved = await fetchWith(production, "/api/v1/flows", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/yaml" },
      body: yaml`
metadata: {name: Prod}
nodes:
  a: {type: transform, params: {script: "return input.n + 1"}}
`,
    });
    expect(saved.status).toBe(201);
    const flowId = ((await saved.json()) as { id: string }).id;
    const run = await fetchWith(production, `/api/v1/flows/${flowId}/run?wait=10`, json({ input: { n: 4 } }, auth));
    expect(run.status).toBe(201);
    // The run's object has the pool's own bindings (a test cannot hand it others), so its flow reads no secret.
    expect(await run.json()).toMatchObject({ status: "completed", output: 5 });
  });
});
