import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/env";
import { executionStub } from "../../src/objects/execution/rpc";
import type { RetentionPlan } from "../../src/objects/execution/retention";
import { createStorage } from "../../src/storage";
import { call, expectError, getExecution, runFlow, saveFlow, signUp, untilStatus, yaml, type TestUser } from "../helpers/api";
import { stubOf } from "../helpers/crash";
import { connect } from "../helpers/websocket";

const DAY_MS = 86_400_000;

const quick = (retention?: string) => yaml`
metadata: {name: Kept ${retention ?? "by default"}}
${retention === undefined ? "" : `retention: ${retention}`}
nodes:
  done: {type: transform, params: {script: "return { ok: true }"}}
`;

/** The object's retention plan, running its planning alarm (a day after the finish) when the flow sets no period. */
async function planOf(id: string): Promise<RetentionPlan> {
  for (let i = 0; i < 200; i++) {
    const plan = await runInDurableObject(stubOf(id), (_instance, state: DurableObjectState) =>
      state.storage.get<RetentionPlan>("retention"),
    );
    if (plan) return plan;
    await runDurableObjectAlarm(stubOf(id));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`execution ${id} has no retention plan`);
}

/** What the object still stores: its tables, key-value entries and alarm. */
function leftovers(id: string) {
  return runInDurableObject(stubOf(id), async (_instance, state: DurableObjectState) => ({
    tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\'").toArray()
      .length,
    entries: (await state.storage.list()).size,
    alarm: await state.storage.getAlarm(),
  }));
}

/** Fires the object's alarm until the run is gone from the API (its plan must be due). */
async function untilDeleted(user: TestUser, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await runDurableObjectAlarm(stubOf(id));
    const res = await call(`/api/v1/executions/${id}`, { headers: user.auth });
    await res.body?.cancel();
    if (res.status === 404) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`execution ${id} was not deleted`);
}

/**
 * Moves the run's deletion time to the past, as if its period had passed (the alarm is left where
 * it is, so nothing fires before the test drives it).
 */
async function expire(id: string): Promise<void> {
  await runInDurableObject(stubOf(id), async (_instance, state: DurableObjectState) => {
    const plan = await state.storage.get<RetentionPlan>("retention");
    await state.storage.put("retention", { ...plan!, delete_at: Date.now() - 1 });
  });
}

async function untilDue(plan: RetentionPlan): Promise<void> {
  expect(plan.delete_at).not.toBeNull();
  while (Date.now() <= plan.delete_at!) await new Promise((r) => setTimeout(r, 25));
}

async function listedIds(user: TestUser, flowId: string): Promise<string[]> {
  const body = (await (await call(`/api/v1/executions?flow_id=${flowId}`, { headers: user.auth })).json()) as {
    executions: { id: string }[];
  };
  return body.executions.map((e) => e.id);
}

async function auditTargets(user: TestUser): Promise<(string | null)[]> {
  const body = (await (await call("/api/v1/audit?action=run.started", { headers: user.auth })).json()) as {
    events: { target_id: string | null }[];
  };
  return body.events.map((e) => e.target_id);
}

describe("retention of finished runs", () => {
  it("deletes a finished run after its flow's period: index row, audit rows and the object's storage", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, quick("1h"));
    const run = await runFlow(user, flow);
    const kept = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    expect(await listedIds(user, flow)).toContain(run.id);
    expect(await auditTargets(user)).toContain(run.id);

    const plan = await planOf(run.id);
    const finished = await getExecution(user, run.id);
    expect(plan).toEqual({ finished_at: expect.any(String), delete_at: Date.parse(plan.finished_at) + 3_600_000, source: "flow" });
    expect(plan.finished_at).toBe((finished as unknown as { finished_at: string }).finished_at);
    expect(await runInDurableObject(stubOf(run.id), (_i, state: DurableObjectState) => state.storage.getAlarm())).toBe(plan.delete_at);

    // Before its time, an alarm (a stray backstop) only re-arms it.
    await runDurableObjectAlarm(stubOf(run.id));
    expect((await getExecution(user, run.id)).status).toBe("completed");
    expect(await runInDurableObject(stubOf(run.id), (_i, state: DurableObjectState) => state.storage.getAlarm())).toBe(plan.delete_at);

    await expire(run.id);
    await untilDeleted(user, run.id);
    await expectError(await call(`/api/v1/executions/${run.id}`, { headers: user.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth }), 404, "not_found");
    expect(await listedIds(user, flow)).not.toContain(run.id);
    expect(await auditTargets(user)).not.toContain(run.id);
    expect(await leftovers(run.id)).toEqual({ tables: 0, entries: 0, alarm: null });
    // The other run of the flow is untouched until its own alarm comes.
    expect((await getExecution(user, kept.id)).status).toBe("completed");
    expect(await auditTargets(user)).toContain(kept.id);
  });

  it("answers a re-run of a deleted run with 404 and says why, and a late call leaves the object empty", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, quick("1s"));
    const run = await runFlow(user, flow);
    await untilDue(await planOf(run.id));
    await untilDeleted(user, run.id);

    const error = await expectError(
      await call(`/api/v1/executions/${run.id}/rerun`, { method: "POST", headers: user.auth, json: {} }),
      404,
      "not_found",
    );
    expect(error.message).toMatch(/deleted after its retention period/);
    const rpc = executionStub(env.EXECUTIONS, run.id);
    expect(await rpc.describe(user.account_id)).toBeNull();
    expect(await rpc.steps(user.account_id, { after: 0, limit: 10, full: false })).toBeNull();
    await rpc.childFinished(1, { status: "completed", output: null, error: null });
    await runDurableObjectAlarm(stubOf(run.id));
    expect(await leftovers(run.id)).toEqual({ tables: 0, entries: 0, alarm: null });
  });

  it("finishes a deletion the alarm retries after the index row already went", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, quick("1h"));
    const run = await runFlow(user, flow);
    await planOf(run.id);
    await expire(run.id);
    // As after a crash between the two writes: the index row is gone, the object's storage is not.
    expect(await createStorage(env).executions.delete(user.account_id, run.id)).toBe(true);
    await expectError(await call(`/api/v1/executions/${run.id}`, { headers: user.auth }), 404, "not_found");
    expect((await leftovers(run.id)).tables).toBeGreaterThan(0);
    for (let i = 0; i < 200 && (await leftovers(run.id)).tables > 0; i++) await runDurableObjectAlarm(stubOf(run.id));
    expect(await leftovers(run.id)).toEqual({ tables: 0, entries: 0, alarm: null });
  });

  it("keeps a parent and its child on their own flows' periods", async () => {
    const user = await signUp();
    const child = await saveFlow(user, quick("1h"));
    const parent = await saveFlow(
      user,
      yaml`
metadata: {name: Parent kept longer}
retention: 2h
nodes:
  sub: {type: flow, params: {flow_id: "${child}"}}
`,
    );
    const run = await runFlow(user, parent);
    expect(run).toMatchObject({ status: "completed", output: { ok: true } });
    const list = (await (await call(`/api/v1/executions?flow_id=${child}`, { headers: user.auth })).json()) as {
      executions: { id: string; parent_id: string | null }[];
    };
    const childRun = list.executions.find((e) => e.parent_id === run.id)!;
    expect(childRun).toBeDefined();
    const [parentPlan, childPlan] = [await planOf(run.id), await planOf(childRun.id)];
    expect(parentPlan.delete_at! - Date.parse(parentPlan.finished_at)).toBe(2 * 3_600_000);
    expect(childPlan.delete_at! - Date.parse(childPlan.finished_at)).toBe(3_600_000);

    // The child goes first; the parent, and its step that ran the child, stay readable.
    await expire(childRun.id);
    await untilDeleted(user, childRun.id);
    expect((await getExecution(user, run.id)).status).toBe("completed");
    const steps = (await (await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth })).json()) as {
      steps: { node_id: string }[];
    };
    expect(steps.steps.map((s) => s.node_id)).toEqual(["sub"]);
  });

  it("never deletes a run that still waits", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Waits}
retention: 1s
nodes:
  ask: {type: wait, params: {type: event, event: go, timeout: 1h}}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    await untilStatus(user, run.id, "waiting");
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < 3; i++) await runDurableObjectAlarm(stubOf(run.id));
    expect((await getExecution(user, run.id)).status).toBe("waiting");
    expect(await runInDurableObject(stubOf(run.id), (_i, state: DurableObjectState) => state.storage.get("retention"))).toBeUndefined();
    const alarm = await runInDurableObject(stubOf(run.id), (_i, state: DurableObjectState) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 30 * 60_000);
  });

  it("closes the watchers of a run when it is deleted", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, quick("1s"));
    const run = await runFlow(user, flow);
    const plan = await planOf(run.id);
    const socket = await connect(user, run.id);
    expect(socket.res.status).toBe(101);
    await socket.until((m) => m.some((x) => x.type === "replayed"));
    const closed = new Promise<number>((resolve) => socket.ws!.addEventListener("close", (e) => resolve(e.code)));
    await untilDue(plan);
    await untilDeleted(user, run.id);
    expect(await closed).toBe(4410);
    const again = await connect(user, run.id);
    expect(again.res.status).toBe(404);
  });
});

describe("which period a run gets", () => {
  it("takes the flow's over the account's over the server's, fixed once per run", async () => {
    const user = await signUp();
    const server = parseConfig(env).retentionDays;
    expect(await (await call("/api/v1/accounts/me/settings", { headers: user.auth })).json()).toEqual({
      retention_days: null,
      effective_retention_days: server,
    });
    const plain = await saveFlow(user, quick());
    const forever = await saveFlow(user, quick("forever"));
    const week = await saveFlow(user, quick("7d"));

    // Without a period of its own, finishing costs no alarm now: the first comes a day later, and plans then.
    const first = await runFlow(user, plain);
    const unplanned = await runInDurableObject(stubOf(first.id), async (_i, state: DurableObjectState) => ({
      plan: await state.storage.get("retention"),
      alarm: await state.storage.getAlarm(),
    }));
    expect(unplanned.plan).toBeUndefined();
    const view = (await (await call(`/api/v1/executions/${first.id}`, { headers: user.auth })).json()) as { finished_at: string };
    const finishedAt = Date.parse(view.finished_at);
    expect(unplanned.alarm).toBe(finishedAt + DAY_MS);
    const byServer = await planOf(first.id);
    expect(byServer).toMatchObject({ source: "server", delete_at: Date.parse(byServer.finished_at) + server * DAY_MS });

    const patched = await call("/api/v1/accounts/me/settings", { method: "PATCH", headers: user.auth, json: { retention_days: 3 } });
    expect(await patched.json()).toEqual({ retention_days: 3, effective_retention_days: 3 });
    const accountRun = (await runFlow(user, plain)).id;
    const byAccount = await planOf(accountRun);
    expect(byAccount).toMatchObject({ source: "account", delete_at: Date.parse(byAccount.finished_at) + 3 * DAY_MS });
    const byFlow = await planOf((await runFlow(user, week)).id);
    expect(byFlow).toMatchObject({ source: "flow", delete_at: Date.parse(byFlow.finished_at) + 7 * DAY_MS });
    const keptForever = await runFlow(user, forever);
    expect(await planOf(keptForever.id)).toMatchObject({ source: "flow", delete_at: null });
    expect(await runInDurableObject(stubOf(keptForever.id), (_i, state: DurableObjectState) => state.storage.getAlarm())).toBeNull();

    // The account keeps runs forever; a period already fixed stays as it was.
    await call("/api/v1/accounts/me/settings", { method: "PATCH", headers: user.auth, json: { retention_days: 0 } });
    expect(await planOf((await runFlow(user, plain)).id)).toMatchObject({ source: "account", delete_at: null });
    expect(await planOf(accountRun)).toEqual(byAccount);
    const reset = await call("/api/v1/accounts/me/settings", { method: "PATCH", headers: user.auth, json: { retention_days: null } });
    expect(await reset.json()).toEqual({ retention_days: null, effective_retention_days: server });
  });

  it("refuses settings that are not whole days in range, and other keys", async () => {
    const user = await signUp();
    for (const body of [{ retention_days: -1 }, { retention_days: 3651 }, { retention_days: 1.5 }, { retention_days: "7" }, { keep: 3 }]) {
      await expectError(
        await call("/api/v1/accounts/me/settings", { method: "PATCH", headers: user.auth, json: body }),
        400,
        "validation_failed",
      );
    }
    await expectError(await call("/api/v1/accounts/me/settings", { method: "PATCH", json: { retention_days: 3 } }), 401, "unauthorized");
    expect(await (await call("/api/v1/accounts/me/settings", { headers: user.auth })).json()).toMatchObject({ retention_days: null });
  });

  it("records a settings change in the audit trail", async () => {
    const user = await signUp();
    await call("/api/v1/accounts/me/settings", { method: "PATCH", headers: user.auth, json: { retention_days: 9 } });
    for (let i = 0; i < 100; i++) {
      const body = (await (await call("/api/v1/audit?action=account.updated", { headers: user.auth })).json()) as { events: unknown[] };
      if (body.events.length > 0) {
        expect(body.events[0]).toMatchObject({
          action: "account.updated",
          target_type: "account",
          target_id: user.account_id,
          details: { fields: ["retention_days"] },
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("no account.updated event");
  });
});

// It reads D1 to see the rows nobody can list (failed logins of unknown usernames); the storage
// conformance suite covers pruning on every provider.
const onD1 = (env.STORAGE_PROVIDER ?? "d1") === "d1";

describe("the audit sweep in the minute cron", () => {
  it.skipIf(!onD1)(
    "deletes anonymous failed logins after a week and account rows after AUDIT_RETENTION_DAYS, keeping newer ones",
    async () => {
      const storage = createStorage(env);
      const user = await signUp();
      const ago = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
      const row = (id: string, account: string | null, time: string) => ({
        id,
        account_id: account,
        time,
        actor: "someone",
        action: account ? "flow.created" : "login.failed",
        target_type: null,
        target_id: null,
        ip: null,
        details: {},
      });
      const tag = Math.random().toString(36).slice(2, 10);
      await storage.audit.append(row(`aud_anon_old_${tag}`, null, ago(8)));
      await storage.audit.append(row(`aud_anon_new_${tag}`, null, ago(6)));
      const audit = parseConfig(env).auditRetentionDays;
      await storage.audit.append(row(`aud_acct_old_${tag}`, user.account_id, ago(audit + 1)));
      await storage.audit.append(row(`aud_acct_new_${tag}`, user.account_id, ago(audit - 1)));

      const worker = (await import("../../src/index")).default;
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);

      const ids = (await env.DB.prepare("SELECT id FROM audit_log WHERE id LIKE ?").bind(`%_${tag}`).all<{ id: string }>()).results.map(
        (r) => r.id,
      );
      expect(ids.sort()).toEqual([`aud_acct_new_${tag}`, `aud_anon_new_${tag}`]);
    },
  );
});
