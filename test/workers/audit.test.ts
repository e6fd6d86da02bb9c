import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sanitizeDetails } from "../../src/services/audit";
import { call, expectError, HELLO_FLOW, runFlow, saveFlow, signUp, uniqueName, type TestUser } from "../helpers/api";

interface AuditEvent {
  id: string;
  time: string;
  actor: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

interface AuditPage {
  events: AuditEvent[];
  next_cursor: string | null;
}

async function auditPage(user: TestUser | Record<string, string>, query = ""): Promise<AuditPage> {
  const headers = "auth" in user ? (user.auth as Record<string, string>) : user;
  const res = await call(`/api/v1/audit${query ? `?${query}` : ""}`, { headers });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as AuditPage;
}

/** Audit rows are written in the background (waitUntil), so tests poll for them. */
async function waitForEvents(user: TestUser, matches: (events: AuditEvent[]) => boolean, query = "limit=100"): Promise<AuditEvent[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { events } = await auditPage(user, query);
    if (matches(events)) return events;
    if (Date.now() > deadline) throw new Error(`audit events never matched; got ${JSON.stringify(events, null, 1)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const has = (action: string, targetId?: string) => (events: AuditEvent[]) =>
  events.some((e) => e.action === action && (targetId === undefined || e.target_id === targetId));
const find = (events: AuditEvent[], action: string, targetId?: string) => {
  const event = events.find((e) => e.action === action && (targetId === undefined || e.target_id === targetId));
  expect(event, `${action} ${targetId ?? ""}`).toBeDefined();
  return event!;
};

async function createToken(user: TestUser, name: string): Promise<{ id: string; token: string }> {
  const res = await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

describe("audit log: what is recorded", () => {
  it("records successful and failed logins with the username tried and the client address", async () => {
    const user = await signUp();
    const wrong = await call("/api/v1/login", {
      method: "POST",
      json: { username: user.username.toUpperCase(), password: "definitely-wrong-pw" },
      headers: { "CF-Connecting-IP": "198.51.100.7" },
    });
    expect(wrong.status).toBe(401);
    const ok = await call("/api/v1/login", {
      method: "POST",
      json: { username: user.username, password: user.password },
      headers: { "CF-Connecting-IP": "198.51.100.8" },
    });
    expect(ok.status).toBe(200);
    // Basic auth with a wrong password is a failed login too.
    const basic = await call("/api/v1/accounts/me", {
      headers: { Authorization: `Basic ${btoa(`${user.username}:not-my-password`)}`, "CF-Connecting-IP": "198.51.100.9" },
    });
    expect(basic.status).toBe(401);

    const events = await waitForEvents(
      user,
      (e) => e.filter((x) => x.action === "login.succeeded").length >= 2 && e.filter((x) => x.action === "login.failed").length >= 2,
    );
    const failed = events.find((e) => e.action === "login.failed" && e.ip === "198.51.100.7");
    expect(failed).toMatchObject({
      actor: user.username,
      target_type: "account",
      target_id: user.account_id,
      details: { via: "login", reason: "wrong_password" },
    });
    expect(events.find((e) => e.action === "login.succeeded" && e.ip === "198.51.100.8")).toMatchObject({
      actor: user.username,
      target_type: "account",
      target_id: user.account_id,
      details: { via: "login" },
    });
    expect(events.find((e) => e.action === "login.failed" && e.ip === "198.51.100.9")).toMatchObject({
      actor: user.username,
      details: { via: "basic", reason: "wrong_password" },
    });
  });

  it("records a failed login for an unknown username with no account, where no account can see it", async () => {
    const ghost = uniqueName("ghost");
    const res = await call("/api/v1/login", {
      method: "POST",
      json: { username: ghost, password: "whatever-pass" },
      headers: { "CF-Connecting-IP": "203.0.113.40" },
    });
    expect(res.status).toBe(401);
    const deadline = Date.now() + 5_000;
    let rows: Record<string, unknown>[] = [];
    while (rows.length === 0 && Date.now() < deadline) {
      rows = (await env.DB.prepare("SELECT * FROM audit_log WHERE actor = ?").bind(ghost).all<Record<string, unknown>>()).results;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ account_id: null, action: "login.failed", ip: "203.0.113.40", target_id: null });
    expect(JSON.parse(String(rows[0]!.details))).toEqual({ via: "login", reason: "unknown_user" });

    const someone = await signUp();
    const { events } = await auditPage(someone, "limit=100");
    expect(events.some((e) => e.actor === ghost)).toBe(false);
  });

  it("records throttled login attempts as failures", async () => {
    const user = await signUp();
    for (let i = 0; i < 10; i++) {
      await call("/api/v1/login", { method: "POST", json: { username: user.username, password: `wrong-${i}-password` } });
    }
    const blocked = await call("/api/v1/login", {
      method: "POST",
      json: { username: user.username, password: user.password },
      headers: { "CF-Connecting-IP": "198.51.100.66" },
    });
    expect(blocked.status).toBe(429);
    const events = await waitForEvents(user, (e) => e.some((x) => x.details.reason === "throttled"), "action=login.failed&limit=100");
    expect(events.filter((e) => e.details.reason === "wrong_password")).toHaveLength(10);
    expect(events.find((e) => e.details.reason === "throttled")).toMatchObject({
      actor: user.username,
      ip: "198.51.100.66",
      target_id: user.account_id,
    });
  });

  it("records API tokens created and revoked, by whom and how they authenticated", async () => {
    const user = await signUp();
    const first = await createToken(user, "deploy");
    const second = await createToken(user, "to-revoke");
    // Revoke with the first API token over Basic, then with a JWT for the second.
    const viaToken = await call(`/api/v1/tokens/${second.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${first.token}`, "CF-Connecting-IP": "192.0.2.10" },
    });
    expect(viaToken.status).toBe(204);
    const events = await waitForEvents(user, (e) => has("token.created", second.id)(e) && has("token.revoked", second.id)(e));
    expect(find(events, "token.created", first.id)).toMatchObject({
      actor: user.username,
      target_type: "api_token",
      details: { name: "deploy", via: "jwt", expires_at: null },
    });
    expect(find(events, "token.revoked", second.id)).toMatchObject({
      actor: user.username,
      target_type: "api_token",
      ip: "192.0.2.10",
      details: { via: "api_token", token_id: first.id },
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain(first.token);
    expect(text).not.toContain(second.token);
    expect(text).not.toContain(first.token.slice(0, 12));
  });

  it("records flows created, updated (new version and metadata) and deleted", async () => {
    const user = await signUp();
    const basic = { Authorization: `Basic ${btoa(`${user.username}:${user.password}`)}` };
    const flowId = await saveFlow(user, HELLO_FLOW);
    const put = await call(`/api/v1/flows/${flowId}`, {
      method: "PUT",
      headers: { ...basic, "Content-Type": "application/yaml", "CF-Connecting-IP": "192.0.2.20" },
      body: HELLO_FLOW,
    });
    expect(put.status).toBe(200);
    const patch = await call(`/api/v1/flows/${flowId}/metadata`, {
      method: "PATCH",
      headers: user.auth,
      json: { tags: ["x"], status: "active" },
    });
    expect(patch.status).toBe(200);
    expect((await call(`/api/v1/flows/${flowId}`, { method: "DELETE", headers: user.auth })).status).toBe(204);

    const events = await waitForEvents(
      user,
      (e) => has("flow.deleted", flowId)(e) && e.filter((x) => x.action === "flow.updated").length === 2,
    );
    expect(find(events, "flow.created", flowId)).toMatchObject({
      actor: user.username,
      target_type: "flow",
      details: { name: "Hello", version: 1, via: "jwt" },
    });
    const updates = events.filter((e) => e.action === "flow.updated" && e.target_id === flowId);
    expect(updates.find((e) => e.details.version === 2 && !e.details.metadata)).toMatchObject({
      ip: "192.0.2.20",
      details: { name: "Hello", via: "basic" },
    });
    // Tags and status live in the YAML: the patch saved version 3.
    expect(updates.find((e) => e.details.metadata)).toMatchObject({ details: { version: 3, metadata: ["status", "tags"], via: "jwt" } });
    expect(find(events, "flow.deleted", flowId)).toMatchObject({ actor: user.username, target_type: "flow" });
    // Flow content is not audit material.
    expect(JSON.stringify(events)).not.toContain("greeting");
  });

  it("records runs started with the execution, the flow and how the caller authenticated; an idempotent repeat adds nothing", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, HELLO_FLOW);
    const token = await createToken(user, "runner");
    const tokenUser = { ...user, auth: { Authorization: `Bearer ${token.token}`, "CF-Connecting-IP": "192.0.2.30" } };
    const run = await runFlow(tokenUser, flowId, { name: "audit" }, 10, { "Idempotency-Key": "once" });
    expect(run.status).toBe("completed");
    const again = await runFlow(tokenUser, flowId, { name: "audit" }, 10, { "Idempotency-Key": "once" });
    expect(again.id).toBe(run.id);
    const rerun = await call(`/api/v1/executions/${run.id}/rerun`, { method: "POST", headers: user.auth, json: {} });
    expect(rerun.status).toBe(201);
    const rerunId = ((await rerun.json()) as { id: string }).id;

    const events = await waitForEvents(user, (e) => has("run.started", run.id)(e) && has("run.started", rerunId)(e), "action=run.started");
    expect(events).toHaveLength(2);
    expect(find(events, "run.started", run.id)).toMatchObject({
      actor: user.username,
      target_type: "execution",
      ip: "192.0.2.30",
      details: { flow_id: flowId, flow_version: 1, trigger: "api", via: "api_token", token_id: token.id },
    });
    expect(find(events, "run.started", rerunId)).toMatchObject({ details: { flow_id: flowId, trigger: `rerun:${run.id}`, via: "jwt" } });
    expect(JSON.stringify(events)).not.toContain(token.token);
  });
});

describe("audit log: reading it", () => {
  async function busyUser(): Promise<{ user: TestUser; events: AuditEvent[] }> {
    const user = await signUp();
    for (let i = 0; i < 3; i++) await saveFlow(user, HELLO_FLOW);
    for (let i = 0; i < 2; i++) await createToken(user, `t${i}`);
    // 1 login + 3 flows + 2 tokens
    const events = await waitForEvents(user, (e) => e.length >= 6);
    return { user, events };
  }

  it("lists newest first and pages through every event exactly once", async () => {
    const { user, events } = await busyUser();
    expect(events).toHaveLength(6);
    const times = events.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(events.at(-1)!.action).toBe("login.succeeded");

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: AuditPage = await auditPage(user, `limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(events.map((e) => e.id));
  });

  it("filters by action and by time", async () => {
    const { user, events } = await busyUser();
    const flows = await auditPage(user, "action=flow.created");
    expect(flows.events.map((e) => e.action)).toEqual(["flow.created", "flow.created", "flow.created"]);

    // The window [since, until) by the times of the events themselves.
    const ascending = [...events].reverse();
    const since = ascending[1]!.time;
    const until = ascending[4]!.time;
    const between = await auditPage(user, `since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}&limit=100`);
    const expected = events.filter((e) => e.time >= since && e.time < until).map((e) => e.id);
    expect(between.events.map((e) => e.id)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);

    // Offsets are understood: the same instant written in another zone.
    const shifted = new Date(Date.parse(since)).toISOString().replace("Z", "+00:00");
    expect((await auditPage(user, `since=${encodeURIComponent(shifted)}&limit=100`)).events.length).toBe(
      events.filter((e) => e.time >= since).length,
    );
    expect((await auditPage(user, `since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).events).toEqual([]);
  });

  it("rejects bad filters with 400 and needs authentication", async () => {
    const user = await signUp();
    await expectError(await call("/api/v1/audit?action=flow.exploded", { headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/audit?since=yesterday", { headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/audit?limit=0", { headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/audit?cursor=not-a-cursor", { headers: user.auth }), 400, "bad_request");
    await expectError(await call("/api/v1/audit"), 401, "unauthorized");
  });

  it("shows each account only its own events", async () => {
    const { user: alice, events: aliceEvents } = await busyUser();
    const bob = await signUp();
    const bobFlow = await saveFlow(bob, HELLO_FLOW);
    const bobEvents = await waitForEvents(bob, has("flow.created", bobFlow));
    expect(bobEvents.every((e) => e.actor === bob.username)).toBe(true);
    const aliceIds = new Set(aliceEvents.map((e) => e.id));
    expect(bobEvents.some((e) => aliceIds.has(e.id))).toBe(false);
    expect((await auditPage(alice, "limit=100")).events.some((e) => e.target_id === bobFlow)).toBe(false);
    // Bob's cursor cannot open Alice's trail either: cursors only position within the caller's own events.
    const page = await auditPage(alice, "limit=1");
    const bobWithAliceCursor = await auditPage(bob, `cursor=${encodeURIComponent(page.next_cursor!)}&limit=100`);
    expect(bobWithAliceCursor.events.every((e) => e.actor === bob.username)).toBe(true);
  });

  it("never contains a password, a JWT or an API token", async () => {
    const user = await signUp();
    const token = await createToken(user, "scanner");
    await call("/api/v1/login", { method: "POST", json: { username: user.username, password: `${user.password}-wrong` } });
    await call("/api/v1/accounts/me", { headers: { Authorization: `Basic ${btoa(`${user.username}:${user.password}`)}` } });
    const flowId = await saveFlow({ ...user, auth: { Authorization: `Bearer ${token.token}` } }, HELLO_FLOW);
    await runFlow(user, flowId, { name: "x" });
    const events = await waitForEvents(user, (e) => has("run.started")(e) && has("login.failed")(e));
    const text = JSON.stringify(events);
    for (const value of [user.password, `${user.password}-wrong`, user.token, token.token, token.token.slice(4)]) {
      expect(text).not.toContain(value);
    }
    const raw = JSON.stringify((await env.DB.prepare("SELECT * FROM audit_log WHERE account_id = ?").bind(user.account_id).all()).results);
    for (const value of [user.password, user.token, token.token]) expect(raw).not.toContain(value);
  });

  it("drops secret-looking details a caller might pass by mistake", () => {
    expect(
      sanitizeDetails({
        name: "API_KEY",
        value: "hunter2",
        password: "pw",
        token: "x",
        note: "frt_0123456789abcdefghij0123456789abcdefghij",
        list: ["ok", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"],
      }),
    ).toEqual({ name: "API_KEY", note: "[redacted]", list: ["ok", "[redacted]"] });
  });

  it("appears in the OpenAPI document", async () => {
    const doc = (await (await call("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    const route = doc.paths["/api/v1/audit"]?.get;
    expect(route).toBeDefined();
    expect(route!.parameters!.map((p) => p.name).sort()).toEqual(["action", "cursor", "limit", "since", "until"]);
  });
});

describe("secrets in the audit trail", () => {
  it("records secrets created, updated and deleted by name, never by value", async () => {
    const user = await signUp();
    const put = (value: string) => call("/api/v1/accounts/me/secrets/AUDITED", { method: "PUT", headers: user.auth, json: { value } });
    expect((await put("first-audited-value")).status).toBe(201);
    expect((await put("second-audited-value")).status).toBe(200);
    expect((await call("/api/v1/accounts/me/secrets/AUDITED", { method: "DELETE", headers: user.auth })).status).toBe(204);
    const events = await waitForEvents(user, (e) => e.some((x) => x.action === "secret.deleted"));
    const secretEvents = events.filter((e) => e.action.startsWith("secret.")).reverse();
    expect(secretEvents.map((e) => [e.action, e.target_type, e.target_id, e.actor])).toEqual([
      ["secret.created", "secret", "AUDITED", user.username],
      ["secret.updated", "secret", "AUDITED", user.username],
      ["secret.deleted", "secret", "AUDITED", user.username],
    ]);
    const text = JSON.stringify(events);
    expect(text).not.toContain("first-audited-value");
    expect(text).not.toContain("second-audited-value");
  });
});
