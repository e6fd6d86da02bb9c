import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, expectError, runFlow, saveFlow, signUp, yaml } from "../helpers/api";
import { SELF } from "cloudflare:test";

const WAITING = yaml`
metadata: {name: Private}
nodes:
  ask: {type: wait, params: {type: event, event: go}}
`;

describe("tenant isolation", () => {
  it("answers 404 on every endpoint for another account's resources", async () => {
    const owner = await signUp();
    const intruder = await signUp();
    const flow = await saveFlow(owner, WAITING);
    const run = await runFlow(owner, flow, {}, 0);
    const token = (await (await call("/api/v1/tokens", { method: "POST", headers: owner.auth, json: { name: "t" } })).json()) as {
      id: string;
      token: string;
    };
    await call("/api/v1/accounts/me/secrets/OWNER_SECRET", { method: "PUT", headers: owner.auth, json: { value: "owner-secret-value" } });

    const h = intruder.auth;
    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/v1/flows/${flow}`],
      ["PUT", `/api/v1/flows/${flow}`, { content: WAITING }],
      ["PATCH", `/api/v1/flows/${flow}/metadata`, { status: "active" }],
      ["DELETE", `/api/v1/flows/${flow}`],
      ["GET", `/api/v1/flows/${flow}/versions`],
      ["GET", `/api/v1/flows/${flow}/versions/1`],
      ["POST", `/api/v1/flows/${flow}/run`, { input: {} }],
      ["GET", `/api/v1/executions/${run.id}`],
      ["GET", `/api/v1/executions/${run.id}/steps`],
      ["GET", `/api/v1/executions/${run.id}/logs`],
      ["POST", `/api/v1/executions/${run.id}/events/go`, { stolen: true }],
      ["POST", `/api/v1/executions/${run.id}/rerun`, {}],
      ["DELETE", `/api/v1/executions/${run.id}`],
      ["DELETE", `/api/v1/tokens/${token.id}`],
      ["GET", `/api/v1/accounts/${owner.account_id}/secrets`],
      ["GET", `/api/v1/accounts/${owner.account_id}/secrets/OWNER_SECRET`],
      ["PUT", `/api/v1/accounts/${owner.account_id}/secrets/OWNER_SECRET`, { value: "overwritten" }],
      ["DELETE", `/api/v1/accounts/${owner.account_id}/secrets/OWNER_SECRET`],
    ];
    for (const [method, path, json] of attempts) {
      const res = await call(path, { method, headers: h, ...(json === undefined ? {} : { json }) });
      await expectError(res, 404, "not_found");
    }
    const ws = await SELF.fetch(`${BASE}/api/v1/executions/${run.id}/ws`, { headers: { Upgrade: "websocket", ...h } });
    expect(ws.status).toBe(404);

    for (const path of ["/api/v1/flows", "/api/v1/executions", "/api/v1/tokens", "/api/v1/accounts/me/secrets", "/api/v1/audit"]) {
      const text = await (await call(path, { headers: h })).text();
      for (const id of [flow, run.id, token.id, "OWNER_SECRET", owner.username]) expect(text, path).not.toContain(id);
    }

    // Nothing the intruder did changed the owner's things.
    const still = (await (await call(`/api/v1/executions/${run.id}`, { headers: owner.auth })).json()) as { status: string };
    expect(still.status).toBe("waiting");
    expect((await call(`/api/v1/flows/${flow}`, { headers: owner.auth })).status).toBe(200);
    expect((await call("/api/v1/accounts/me", { headers: { Authorization: `Bearer ${token.token}` } })).status).toBe(200);
    expect((await call("/api/v1/accounts/me/secrets/OWNER_SECRET", { headers: owner.auth })).status).toBe(200);
  });

  it("keeps no plaintext password, API token or secret in the account database", async () => {
    const user = await signUp(undefined, "plaintext-password-check-123");
    const token = (
      (await (await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name: "scan" } })).json()) as { token: string }
    ).token;
    await call("/api/v1/accounts/me/secrets/SCAN", { method: "PUT", headers: user.auth, json: { value: "scan-secret-value-xyz" } });
    const tables = (
      await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%'").all<{ name: string }>()
    ).results;
    let dump = "";
    for (const { name } of tables) dump += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
    expect(dump).toContain(user.username);
    for (const plaintext of ["plaintext-password-check-123", token, "scan-secret-value-xyz"]) expect(dump).not.toContain(plaintext);
  });

  it("uses unguessable ids", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, WAITING);
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await runFlow(user, flow, {}, 0)).id);
    expect(ids.size).toBe(5);
    for (const id of [...ids, flow, user.account_id]) expect(id).toMatch(/^[a-z]{3}_[0-9a-z]{25}$/);
    // 25 base-36 characters: about 129 bits.
    expect(25 * Math.log2(36)).toBeGreaterThan(128);
  });
});
