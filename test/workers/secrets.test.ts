import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectError, runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";
import { createD1Storage } from "../../src/storage/d1";
import { generateMasterKey, Vault } from "../../src/vault";
import { loadKeyring } from "../../src/vault/keyring";

const put = (user: TestUser, key: string, json: unknown, account = "me") =>
  call(`/api/v1/accounts/${account}/secrets/${key}`, { method: "PUT", headers: user.auth, json });

describe("secrets API", () => {
  it("stores plain and structured secrets write-only", async () => {
    const user = await signUp();
    const created = await put(user, "API_KEY", { value: "sk-live-0123456789", description: "Payments", tags: ["prod"] });
    expect(created.status).toBe(201);
    const body = await created.text();
    expect(body).not.toContain("sk-live-0123456789");
    expect(JSON.parse(body)).toMatchObject({ key: "API_KEY", type: "plain", description: "Payments", tags: ["prod"], last_used_at: null });

    const replaced = await put(user, "API_KEY", { value: "sk-live-rotated-999" });
    expect(replaced.status).toBe(200);
    const db = await put(user, "DB", {
      type: "database",
      data: { type: "postgres", host: "db.internal", username: "app", password: "pg-pass-4242", port: 5432 },
    });
    expect(db.status).toBe(201);

    const list = await call("/api/v1/accounts/me/secrets", { headers: user.auth });
    const text = await list.text();
    for (const value of ["sk-live", "pg-pass-4242", "db.internal"]) expect(text).not.toContain(value);
    expect((JSON.parse(text) as { secrets: { key: string; type: string }[] }).secrets.map((s) => [s.key, s.type])).toEqual([
      ["API_KEY", "plain"],
      ["DB", "database"],
    ]);
    const one = await call(`/api/v1/accounts/${user.account_id}/secrets/DB`, { headers: user.auth });
    expect(await one.json()).toMatchObject({ key: "DB", type: "database" });
    const byType = (await (await call("/api/v1/accounts/me/secrets?type=database", { headers: user.auth })).json()) as {
      secrets: unknown[];
    };
    expect(byType.secrets).toHaveLength(1);

    expect((await call("/api/v1/accounts/me/secrets/DB", { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await call("/api/v1/accounts/me/secrets/DB", { headers: user.auth }), 404, "not_found");
  });

  it.for([
    [{ value: "" }, "bad_request", "value"],
    [{ type: "plain", data: { a: "b" } }, "bad_request", "value"],
    [{ type: "api_key", data: { header_name: "X" } }, "validation_failed", "data.key"],
    [{ type: "oauth", data: { client_id: "x" } }, "validation_failed", "data.client_secret"],
    [{ type: "database", data: { host: "h", username: "u", password: "p" } }, "validation_failed", "data.type"],
    [{ type: "jwt", value: "abc" }, "bad_request", "value"],
    [{ type: "nope", value: "abc" }, "validation_failed", "type"],
  ] as const)("rejects %o with %s naming %s", async ([body, code, field]) => {
    const user = await signUp();
    const error = await expectError(await put(user, "S", body), 400, code);
    expect(JSON.stringify(error.details)).toContain(field);
  });

  it("rejects names that cannot be used in expressions", async () => {
    const user = await signUp();
    await expectError(await put(user, "1BAD", { value: "x1234" }), 400, "bad_request");
    await expectError(await put(user, "has-dash", { value: "x1234" }), 400, "bad_request");
  });

  it("hides one account's secrets from another", async () => {
    const owner = await signUp();
    const other = await signUp();
    await put(owner, "MINE", { value: "owner-only-value" });
    await expectError(await call(`/api/v1/accounts/${owner.account_id}/secrets`, { headers: other.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/accounts/${owner.account_id}/secrets/MINE`, { headers: other.auth }), 404, "not_found");
    await expectError(await put(other, "MINE", { value: "x1234" }, owner.account_id), 404, "not_found");
    await expectError(
      await call(`/api/v1/accounts/${owner.account_id}/secrets/MINE`, { method: "DELETE", headers: other.auth }),
      404,
      "not_found",
    );
    await expectError(await call("/api/v1/accounts/me/secrets/MINE", { headers: other.auth }), 404, "not_found");
    await expectError(await call("/api/v1/accounts/me/secrets"), 401, "unauthorized");
  });
});

const LEAKY = yaml`
metadata: {name: Leaky}
nodes:
  echo:
    type: http.request
    params:
      url: "http://127.0.0.1:9/never"
      headers: {Authorization: "Bearer ${"${secrets.TOKEN}"}"}
    hooks:
      exec: "console.log('token is', secrets.TOKEN, 'db', secrets.DB.password); shared.copy = secrets.TOKEN; return { token: secrets.TOKEN, nested: { pw: secrets.DB.password } }"
    next: {default: thrower}
  thrower:
    type: transform
    params: {script: "throw new Error('bad token ' + secrets.TOKEN)"}
    next: {error: report}
  report:
    type: transform
    params: {script: "return { message: input.message, shared: shared.copy, again: secrets.TOKEN }"}
`;

describe("secrets in flows", () => {
  it("decrypts what a flow references and redacts the values everywhere they could surface", async () => {
    const user = await signUp();
    const TOKEN = "tok-SECRET-7f3a9c1e";
    const PW = "db-PASSWORD-55aa77";
    await put(user, "TOKEN", { value: TOKEN });
    await put(user, "DB", { type: "database", data: { type: "postgres", host: "h", username: "u", password: PW } });
    const flow = await saveFlow(user, LEAKY);
    const run = await runFlow(user, flow);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ message: expect.stringContaining("[REDACTED]"), shared: "[REDACTED]", again: "[REDACTED]" });

    const surfaces = [
      await call(`/api/v1/executions/${run.id}`, { headers: user.auth }),
      await call(`/api/v1/executions/${run.id}/steps?full=true`, { headers: user.auth }),
      await call(`/api/v1/executions/${run.id}/logs`, { headers: user.auth }),
      await call(`/api/v1/executions?flow_id=${flow}`, { headers: user.auth }),
      await call("/api/v1/accounts/me/secrets", { headers: user.auth }),
    ];
    const texts = await Promise.all(surfaces.map((r) => r.text()));
    for (const text of texts) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PW);
    }
    expect(texts[2]).toContain("token is [REDACTED] db [REDACTED]");

    const secrets = (await (await call("/api/v1/accounts/me/secrets", { headers: user.auth })).json()) as {
      secrets: { key: string; last_used_at: string | null }[];
    };
    await new Promise((r) => setTimeout(r, 50));
    const again = (await (await call("/api/v1/accounts/me/secrets", { headers: user.auth })).json()) as {
      secrets: { key: string; last_used_at: string | null }[];
    };
    expect([...secrets.secrets, ...again.secrets].some((s) => s.key === "TOKEN" && s.last_used_at !== null)).toBe(true);

    // A raw read of every table: the account database and the execution's own storage.
    const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>()).results;
    let rows = "";
    for (const { name } of tables.filter((t) => !t.name.startsWith("_cf")))
      rows += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
    const stub = env.EXECUTIONS.get(env.EXECUTIONS.idFromName(run.id));
    rows += await runInDurableObject(stub, (_instance, state: DurableObjectState) => {
      let dump = "";
      for (const t of state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray()) {
        if (t.name.startsWith("_cf") || t.name.startsWith("sqlite_")) continue;
        dump += JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray());
      }
      return dump;
    });
    expect(rows).toContain("[REDACTED]");
    expect(rows).not.toContain(TOKEN);
    expect(rows).not.toContain(PW);
    expect(rows).not.toContain(user.password);
  });

  it("fails a template that names a secret the account does not have", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Missing}
nodes:
  a: {type: transform, params: {script: "return secrets.NOPE === undefined ? 'absent' : 'present'"}}
`,
    );
    expect((await runFlow(user, flow)).output).toBe("absent");
  });
});

describe("master key rotation", () => {
  it("keeps every secret readable across a rotation, and old keys are unneeded after it", async () => {
    const storage = createD1Storage(env.DB);
    const [a, b] = [generateMasterKey(), generateMasterKey()];
    const owners = [await signUp(), await signUp(), await signUp()];
    const before = new Vault(storage.secrets, () => loadKeyring(`old:${a}`, undefined));
    const values = new Map<string, string>();
    for (const [i, owner] of owners.entries()) {
      const value = `rotation-secret-${i}-${Math.random()}`;
      values.set(owner.account_id, value);
      const now = new Date().toISOString();
      await storage.secrets.put({
        account_id: owner.account_id,
        key: "ROT",
        type: "plain",
        description: null,
        tags: [],
        ciphertext: await before.seal(owner.account_id, "ROT", value),
        created_at: now,
        updated_at: now,
        last_used_at: null,
      });
    }
    const during = new Vault(storage.secrets, () => loadKeyring(`old:${a},new:${b}`, "new"));
    // Still readable through the old key id while rotation is under way.
    const first = (await storage.secrets.get(owners[0]!.account_id, "ROT"))!;
    expect(await during.open(first)).toBe(values.get(owners[0]!.account_id));

    // Other tests' accounts use the development key, which this keyring lacks: they are reported, not fatal.
    const result = await during.rotate(2);
    // The first owner's key was already re-wrapped when it was opened above.
    expect(result.rewrapped).toBeGreaterThanOrEqual(2);
    for (const owner of owners) expect(result.unreadable).not.toContain(owner.account_id);
    for (const owner of owners) expect((await storage.secrets.getDataKey(owner.account_id))!.kid).toBe("new");

    const after = new Vault(storage.secrets, () => loadKeyring(`new:${b}`, undefined));
    for (const owner of owners) {
      expect(await after.open((await storage.secrets.get(owner.account_id, "ROT"))!)).toBe(values.get(owner.account_id));
    }
    const onlyOld = new Vault(storage.secrets, () => loadKeyring(`old:${a}`, undefined));
    await expect(onlyOld.open((await storage.secrets.get(owners[1]!.account_id, "ROT"))!)).rejects.toThrow(/not configured/);
  });

  it("will not open a value copied to another account or name", async () => {
    const storage = createD1Storage(env.DB);
    const vault = new Vault(storage.secrets, () => loadKeyring(undefined, undefined));
    const [x, y] = [await signUp(), await signUp()];
    const sealed = await vault.seal(x.account_id, "K", "copied-value");
    await expect(vault.open({ account_id: x.account_id, key: "OTHER", ciphertext: sealed })).rejects.toThrow(/does not open/);
    await expect(vault.open({ account_id: y.account_id, key: "K", ciphertext: sealed })).rejects.toThrow(/does not open/);
    expect(await vault.open({ account_id: x.account_id, key: "K", ciphertext: sealed })).toBe("copied-value");
  });
});

describe("the scheduled rotation", () => {
  it("re-wraps data keys under the active master key from the Worker's cron handler", async () => {
    const { createExecutionContext, createScheduledController, waitOnExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../src/index")).default;
    const [a, b] = [generateMasterKey(), generateMasterKey()];
    const storage = createD1Storage(env.DB);
    const owner = await signUp();
    const old = new Vault(storage.secrets, () => loadKeyring(`cron-a:${a}`, undefined));
    await old.seal(owner.account_id, "X", "cron-rotated-value");
    expect((await storage.secrets.getDataKey(owner.account_id))!.kid).toBe("cron-a");

    const rotated = { ...env, VAULT_MASTER_KEYS: `cron-a:${a},cron-b:${b}`, VAULT_ACTIVE_KEY_ID: "cron-b" };
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), rotated, ctx);
    await waitOnExecutionContext(ctx);
    expect((await storage.secrets.getDataKey(owner.account_id))!.kid).toBe("cron-b");
  });
});
