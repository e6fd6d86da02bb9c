import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { OperationView } from "../../src/services/operation-schemas";
import { call, expectError, runFlow, saveFlow, signUp, untilStatus, yaml, type TestUser } from "../helpers/api";

const WAITS = yaml`
metadata: {name: Waits}
nodes:
  prepare: {type: transform, params: {script: "return input"}, next: {default: approve}}
  approve: {type: wait, params: {type: event, event: approval}}
`;

const FAILS = yaml`
metadata: {name: Fails}
nodes:
  charge: {type: transform, params: {script: "if (input.fail) throw new Error('card declined'); return input"}}
`;

const operationStub = (id: string) => env.OPERATIONS.get(env.OPERATIONS.idFromName(id));

async function startBulk(user: TestUser, action: "cancel" | "rerun", filter: Record<string, unknown>): Promise<OperationView> {
  const res = await call(`/api/v1/executions/bulk-${action}`, { method: "POST", headers: user.auth, json: { filter } });
  const text = await res.text();
  expect(res.status, text).toBe(202);
  const operation = JSON.parse(text) as OperationView;
  expect(res.headers.get("Location")).toBe(`/api/v1/operations/${operation.id}`);
  return operation;
}

async function getOperation(user: TestUser, id: string): Promise<OperationView> {
  const res = await call(`/api/v1/operations/${id}`, { headers: user.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as OperationView;
}

/** Fires the operation's alarm until it ends, as the runtime does on its own; `beforeAlarm` can reach in first. */
async function untilEnded(user: TestUser, id: string, beforeAlarm: () => Promise<void> = async () => {}): Promise<OperationView> {
  for (let i = 0; i < 500; i++) {
    const operation = await getOperation(user, id);
    if (operation.status !== "running") return operation;
    await beforeAlarm();
    // A fresh stub each time: one taken before a crash stays broken.
    await runDurableObjectAlarm(operationStub(id)).catch(() => false);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`operation ${id} did not end`);
}

async function executions(user: TestUser, query: string): Promise<{ id: string; status: string; trigger: string }[]> {
  const found: { id: string; status: string; trigger: string }[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(`/api/v1/executions?limit=100&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      headers: user.auth,
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { executions: typeof found; next_cursor: string | null };
    found.push(...page.executions);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

async function startWaiting(user: TestUser, flow: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await runFlow(user, flow, { i }, 0)).id);
  for (const id of ids) await untilStatus(user, id, "waiting");
  return ids;
}

/** Aborts the operation's object, as a machine failure would: what was not durable is lost. */
async function crash(id: string): Promise<void> {
  await runInDurableObject(operationStub(id), (_instance, state: DurableObjectState) => state.abort("simulated crash")).catch(
    () => undefined,
  );
}

describe("bulk cancel", () => {
  it("cancels every waiting run of a flow, reports progress, and leaves other runs alone", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, WAITS);
    const other = await saveFlow(user, WAITS.replace("name: Waits", "name: Other waits"));
    const targets = await startWaiting(user, flow, 31);
    const bystanders = await startWaiting(user, other, 2);
    // One run of the same flow has finished: a cancel filtered on waiting does not touch it.
    const finished = targets.pop()!;
    expect((await call(`/api/v1/executions/${finished}/events/approval`, { method: "POST", headers: user.auth, json: {} })).status).toBe(
      202,
    );
    await untilStatus(user, finished, "completed");

    const started = await startBulk(user, "cancel", { flow_id: flow, status: "waiting" });
    expect(started).toMatchObject({
      action: "cancel",
      status: "running",
      filter: { flow_id: flow, status: "waiting" },
      done: 0,
      failed: 0,
    });
    expect(started.id).toMatch(/^opr_[0-9a-z]{25}$/);

    const ended = await untilEnded(user, started.id);
    expect(ended).toMatchObject({ status: "succeeded", scanning: false, matched: 30, done: 30, skipped: 0, failed: 0, errors: [] });
    expect(ended.finished_at).not.toBeNull();

    const cancelled = await executions(user, `flow_id=${flow}&status=cancelled`);
    expect(cancelled.map((e) => e.id).sort()).toEqual([...targets].sort());
    expect((await executions(user, `flow_id=${flow}&status=completed`)).map((e) => e.id)).toEqual([finished]);
    expect((await executions(user, `flow_id=${other}&status=waiting`)).map((e) => e.id).sort()).toEqual([...bystanders].sort());

    // Listed newest first, and audited as the user's.
    const second = await startBulk(user, "cancel", { flow_id: other, status: "running" });
    const list = (await (await call("/api/v1/operations?limit=10", { headers: user.auth })).json()) as {
      operations: OperationView[];
      next_cursor: string | null;
    };
    expect(list.operations.map((o) => o.id)).toEqual([second.id, started.id]);
    const paged = (await (await call("/api/v1/operations?limit=1", { headers: user.auth })).json()) as { next_cursor: string | null };
    expect(paged.next_cursor).not.toBeNull();
    const audit = (await (await call("/api/v1/audit?action=operation.created", { headers: user.auth })).json()) as {
      events: { target_id: string; actor: string; details: Record<string, unknown> }[];
    };
    expect(audit.events.find((e) => e.target_id === started.id)).toMatchObject({
      actor: user.username,
      details: { action: "cancel", flow_id: flow, status: "waiting" },
    });
  });

  it("leaves out runs created after the operation started", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, WAITS);
    const before = await startWaiting(user, flow, 3);
    const operation = await startBulk(user, "cancel", { flow_id: flow });
    const after = await startWaiting(user, flow, 2);
    expect(await untilEnded(user, operation.id)).toMatchObject({ status: "succeeded", matched: 3, done: 3 });
    expect((await executions(user, `flow_id=${flow}&status=cancelled`)).map((e) => e.id).sort()).toEqual([...before].sort());
    expect((await executions(user, `flow_id=${flow}&status=waiting`)).map((e) => e.id).sort()).toEqual([...after].sort());
  });

  it("resumes after a crash without counting or acting on a run twice", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, WAITS);
    const targets = await startWaiting(user, flow, 30);
    const operation = await startBulk(user, "cancel", { flow_id: flow, status: "waiting" });
    let crashes = 0;
    const ended = await untilEnded(user, operation.id, async () => {
      if (crashes++ < 3) await crash(operation.id);
    });
    expect(crashes).toBeGreaterThan(0);
    expect(ended).toMatchObject({ status: "succeeded", matched: 30, done: 30, skipped: 0, failed: 0 });
    expect((await executions(user, `flow_id=${flow}&status=cancelled`)).map((e) => e.id).sort()).toEqual([...targets].sort());
  });

  it("succeeds at once with matched 0 when nothing matches", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, WAITS);
    const operation = await startBulk(user, "cancel", { flow_id: flow, status: "waiting" });
    expect(await untilEnded(user, operation.id)).toMatchObject({ status: "succeeded", matched: 0, done: 0, failed: 0 });
  });

  it("stops when the operation is cancelled", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, WAITS);
    await startWaiting(user, flow, 3);
    const operation = await startBulk(user, "cancel", { flow_id: flow });
    const res = await call(`/api/v1/operations/${operation.id}/cancel`, { method: "POST", headers: user.auth });
    expect(res.status).toBe(200);
    const stopped = (await res.json()) as OperationView;
    // Whatever was done before the stop stays done; nothing more is.
    expect(["cancelled", "succeeded"]).toContain(stopped.status);
    const after = await untilEnded(user, operation.id);
    expect(after).toEqual(stopped);
    await runDurableObjectAlarm(operationStub(operation.id));
    expect(await getOperation(user, operation.id)).toEqual(stopped);
  });
});

describe("bulk rerun", () => {
  it("re-runs each failed run once, never its own re-runs, even across crashes", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, FAILS);
    const failed: string[] = [];
    for (let i = 0; i < 4; i++) failed.push((await runFlow(user, flow, { fail: true, i })).id);
    const completed = (await runFlow(user, flow, { fail: false })).id;
    const operation = await startBulk(user, "rerun", { flow_id: flow, status: "failed" });
    let crashes = 0;
    const ended = await untilEnded(user, operation.id, async () => {
      if (crashes++ < 2) await crash(operation.id);
    });
    expect(ended).toMatchObject({ status: "succeeded", matched: 4, done: 4, failed: 0 });
    const all = await executions(user, `flow_id=${flow}`);
    expect(all).toHaveLength(4 + 1 + 4);
    const reruns = all.filter((e) => e.trigger.startsWith("rerun:"));
    expect(reruns.map((e) => e.trigger.slice("rerun:".length)).sort()).toEqual([...failed].sort());
    expect(all.find((e) => e.id === completed)?.status).toBe("completed");
    // The re-runs are the user's, in the audit trail like any re-run.
    const audit = (await (await call("/api/v1/audit?action=run.started&limit=100", { headers: user.auth })).json()) as {
      events: { target_id: string; actor: string; details: { trigger: string } }[];
    };
    const audited = audit.events.filter((e) => e.details.trigger.startsWith("rerun:"));
    expect(audited.map((e) => e.target_id).sort()).toEqual(reruns.map((e) => e.id).sort());
    expect(new Set(audited.map((e) => e.actor))).toEqual(new Set([user.username]));
  });
});

describe("bulk operations are per account, and check their filters", () => {
  it("hides one account's operations and runs from another", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const flow = await saveFlow(alice, WAITS);
    const runs = await startWaiting(alice, flow, 2);
    const operation = await startBulk(alice, "cancel", { flow_id: flow, status: "running" });
    await expectError(await call(`/api/v1/operations/${operation.id}`, { headers: bob.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/operations/${operation.id}/cancel`, { method: "POST", headers: bob.auth }), 404, "not_found");
    const bobs = (await (await call("/api/v1/operations", { headers: bob.auth })).json()) as { operations: OperationView[] };
    expect(bobs.operations).toEqual([]);
    // Bob naming Alice's flow matches nothing of hers.
    const stray = await startBulk(bob, "cancel", { flow_id: flow });
    expect(await untilEnded(bob, stray.id)).toMatchObject({ status: "succeeded", matched: 0 });
    for (const id of runs) expect((await untilStatus(alice, id, "waiting")).status).toBe("waiting");
    await untilEnded(alice, operation.id);
  });

  it("answers 400 for filters that cannot work, and 404 for unknown operations", async () => {
    const user = await signUp();
    const bulk = (action: string, body: unknown) =>
      call(`/api/v1/executions/bulk-${action}`, { method: "POST", headers: user.auth, json: body });
    const refused = await expectError(await bulk("cancel", { filter: { status: "completed" } }), 400, "bad_request");
    expect(refused.message).toMatch(/running, waiting/);
    expect((await expectError(await bulk("rerun", { filter: { status: "waiting" } }), 400, "bad_request")).message).toMatch(
      /completed, failed, cancelled/,
    );
    expect((await expectError(await bulk("cancel", { filter: {} }), 400, "bad_request")).message).toMatch(/at least one/);
    await expectError(
      await bulk("cancel", { filter: { since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" } }),
      400,
      "bad_request",
    );
    await expectError(await bulk("cancel", { filter: { since: "yesterday" } }), 400, "validation_failed");
    await expectError(await bulk("cancel", { filter: { status: "bogus" } }), 400, "validation_failed");
    await expectError(await bulk("cancel", { filter: { flow: "x" } }), 400, "validation_failed");
    await expectError(await bulk("cancel", {}), 400, "validation_failed");
    await expectError(await call("/api/v1/executions/bulk-cancel", { method: "POST", headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/operations/opr_0123456789abcdefghijklmno", { headers: user.auth }), 404, "not_found");
    await expectError(await call("/api/v1/operations/nonsense", { headers: user.auth }), 404, "not_found");
    await expectError(await call("/api/v1/operations?cursor=nonsense", { headers: user.auth }), 400, "bad_request");
    await expectError(await call("/api/v1/operations"), 401, "unauthorized");
  });
});

describe("bulk operations in the OpenAPI document", () => {
  it("names each operation and declares its security and answers", async () => {
    const doc = (await (await call("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    const named = [
      ["/api/v1/executions/bulk-cancel", "post", "bulkCancelExecutions", "202"],
      ["/api/v1/executions/bulk-rerun", "post", "bulkRerunExecutions", "202"],
      ["/api/v1/operations", "get", "listOperations", "200"],
      ["/api/v1/operations/{id}", "get", "getOperation", "200"],
      ["/api/v1/operations/{id}/cancel", "post", "cancelOperation", "200"],
    ] as const;
    for (const [path, method, operationId, ok] of named) {
      const operation = doc.paths[path]?.[method];
      expect(operation?.operationId, path).toBe(operationId);
      expect(operation?.security?.length, path).toBeGreaterThan(0);
      expect(Object.keys(operation!.responses), path).toEqual(expect.arrayContaining([ok, "400", "401", "404"]));
    }
  });
});
