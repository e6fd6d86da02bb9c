/** The schedules API with real schedule objects: listing, pause and resume, run now, isolation. */
import { afterEach, describe, expect, it } from "vitest";
import { call, expectError, signUp, type TestUser } from "../helpers/api";
import { alarmOf, cronFlow, cronRuns, deleteFlow, eventually, getSchedule, postSchedule, type ScheduleBody } from "../helpers/schedules";

// Far-off ticks: these tests drive the schedules by hand, never by waiting for them.
const YEARLY = `{id: yearly, type: cron, cron: "0 0 1 1 *", timezone: Europe/Paris, input: {report: annual}}`;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

async function ownedFlow(user: TestUser, triggers: string[]) {
  const flow = await cronFlow(user, triggers);
  cleanup.push(() => deleteFlow(user, flow.flowId));
  return flow;
}

describe("GET /api/v1/schedules", () => {
  it("lists the account's cron triggers with their next fire time, filtered by flow", async () => {
    const user = await signUp();
    const a = await ownedFlow(user, [YEARLY, `{id: hourly, type: cron, cron: "@hourly"}`]);
    const b = await ownedFlow(user, [`{type: cron, cron: "@every 1h"}`, `{type: webhook}`]);
    const res = await call("/api/v1/schedules", { headers: user.auth });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { schedules: ScheduleBody[]; next_cursor: string | null };
    expect(page.schedules.map((s) => s.id).sort()).toEqual([...a.triggerIds, ...b.triggerIds].sort());
    const yearly = page.schedules.find((s) => s.key === "yearly")!;
    expect(yearly).toMatchObject({
      flow_id: a.flowId,
      source: "flow",
      cron: "0 0 1 1 *",
      timezone: "Europe/Paris",
      state: "active",
      paused: false,
    });
    expect(yearly.input).toEqual({ report: "annual" });
    // Midnight on January 1st in Paris is 23:00 UTC the day before.
    expect(yearly.next_fire_at).toMatch(/^\d{4}-12-31T23:00:00\.000Z$/);
    expect(Date.parse(yearly.next_fire_at!)).toBeGreaterThan(Date.now());
    const every = page.schedules.find((s) => s.flow_id === b.flowId)!;
    expect(Date.parse(every.next_fire_at!) % 3_600_000).toBe(0);

    const filtered = await call(`/api/v1/schedules?flow_id=${b.flowId}`, { headers: user.auth });
    expect(((await filtered.json()) as { schedules: ScheduleBody[] }).schedules.map((s) => s.id)).toEqual(b.triggerIds);
  });

  it("pages through the schedules", async () => {
    const user = await signUp();
    await ownedFlow(user, [
      `{id: a, type: cron, cron: "@daily"}`,
      `{id: b, type: cron, cron: "@daily"}`,
      `{id: c, type: cron, cron: "@daily"}`,
    ]);
    const first = (await (await call("/api/v1/schedules?limit=2", { headers: user.auth })).json()) as {
      schedules: ScheduleBody[];
      next_cursor: string;
    };
    expect(first.schedules).toHaveLength(2);
    const second = (await (
      await call(`/api/v1/schedules?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`, { headers: user.auth })
    ).json()) as {
      schedules: ScheduleBody[];
      next_cursor: string | null;
    };
    expect(second.schedules).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
  });

  it("re-arms a schedule at the new time when the flow's expression changes", async () => {
    const user = await signUp();
    const { flowId, triggerIds } = await ownedFlow(user, [YEARLY]);
    const before = await getSchedule(user, triggerIds[0]!);
    const content = `metadata: {name: Ticking}\ntriggers:\n  - {id: yearly, type: cron, cron: "0 12 * * *", timezone: UTC}\nnodes:\n  tick: {type: transform, params: {script: "return input"}}\n`;
    const res = await call(`/api/v1/flows/${flowId}`, {
      method: "PUT",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: content,
    });
    expect(res.status).toBe(200);
    const after = await eventually(
      () => getSchedule(user, triggerIds[0]!),
      (s) => s.next_fire_at !== before.next_fire_at,
    );
    expect(after.id).toBe(before.id);
    expect(after.next_fire_at).toMatch(/T12:00:00\.000Z$/);
    expect(await alarmOf(triggerIds[0]!)).toBe(Date.parse(after.next_fire_at!));
  });
});

describe("pause and resume", () => {
  it("pause clears the alarm and resume sets it again, and both are kept across flow versions", async () => {
    const user = await signUp();
    const { flowId, triggerIds } = await ownedFlow(user, [YEARLY]);
    const id = triggerIds[0]!;
    const armed = await getSchedule(user, id);
    expect(await alarmOf(id)).toBe(Date.parse(armed.next_fire_at!));

    const paused = await postSchedule(user, id, "pause");
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ id, paused: true, state: "paused", next_fire_at: null });
    expect(await alarmOf(id)).toBeNull();

    // A new version of the flow keeps the pause.
    const content = `metadata: {name: Ticking, description: v2}\ntriggers:\n  - ${YEARLY}\nnodes:\n  tick: {type: transform, params: {script: "return input"}}\n`;
    expect(
      (
        await call(`/api/v1/flows/${flowId}`, {
          method: "PUT",
          headers: { ...user.auth, "Content-Type": "application/yaml" },
          body: content,
        })
      ).status,
    ).toBe(200);
    expect(await getSchedule(user, id)).toMatchObject({ paused: true, state: "paused" });

    const resumed = await postSchedule(user, id, "resume");
    expect(resumed.status).toBe(200);
    const body = (await resumed.json()) as ScheduleBody;
    expect(body).toMatchObject({ paused: false, state: "active", next_fire_at: armed.next_fire_at });
    expect(await alarmOf(id)).toBe(Date.parse(armed.next_fire_at!));
  });

  it("shows a switched-off flow's schedules as flow_disabled, without an alarm", async () => {
    const user = await signUp();
    const { flowId, triggerIds } = await ownedFlow(user, [YEARLY]);
    expect((await call(`/api/v1/flows/${flowId}/disable`, { method: "POST", headers: user.auth })).status).toBe(200);
    const off = await eventually(
      () => getSchedule(user, triggerIds[0]!),
      (s) => s.state === "flow_disabled",
    );
    expect(off.next_fire_at).toBeNull();
    expect(await alarmOf(triggerIds[0]!)).toBeNull();
    expect((await call(`/api/v1/flows/${flowId}/enable`, { method: "POST", headers: user.auth })).status).toBe(200);
    const on = await eventually(
      () => getSchedule(user, triggerIds[0]!),
      (s) => s.state === "active",
    );
    expect(await alarmOf(triggerIds[0]!)).toBe(Date.parse(on.next_fire_at!));
  });
});

describe("POST /api/v1/schedules/{id}/run", () => {
  it("starts one run with a new id each time, recorded as the schedule's, with its input", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [YEARLY]);
    const id = triggerIds[0]!;
    const first = await postSchedule(user, id, "run");
    const text = await first.text();
    expect(first.status, text).toBe(201);
    const run = JSON.parse(text) as { execution_id: string; id: string; trigger: string; input: unknown };
    expect(run.trigger).toBe(`cron:${id}`);
    expect(run.input).toEqual({ report: "annual" });
    expect(first.headers.get("Location")).toBe(`/api/v1/executions/${run.id}`);
    const second = (await (await postSchedule(user, id, "run")).json()) as { id: string };
    expect(second.id).not.toBe(run.id);

    const listed = await cronRuns(user, `trigger_id=${id}`);
    expect(listed.map((e) => e.id).sort()).toEqual([run.id, second.id].sort());
    expect(listed.every((e) => e.trigger === `cron:${id}`)).toBe(true);
    const schedule = await getSchedule(user, id);
    expect(schedule.recent.map((t) => [t.outcome, t.execution_id])).toEqual([
      ["run_now", second.id],
      ["run_now", run.id],
    ]);
  });

  it("runs a paused schedule, and refuses with 409 while the flow is switched off", async () => {
    const user = await signUp();
    const { flowId, triggerIds } = await ownedFlow(user, [YEARLY]);
    const id = triggerIds[0]!;
    await postSchedule(user, id, "pause");
    expect((await postSchedule(user, id, "run")).status).toBe(201);
    await call(`/api/v1/flows/${flowId}/disable`, { method: "POST", headers: user.auth });
    const refused = await expectError(await postSchedule(user, id, "run"), 409, "conflict");
    expect(refused.details).toEqual({ reason: "flow_disabled" });
    expect(await cronRuns(user, `trigger_id=${id}`)).toHaveLength(1);
  });
});

describe("isolation", () => {
  it("answers 404 for another account's schedule, and never lists it", async () => {
    const [owner, other] = [await signUp(), await signUp()];
    const { triggerIds } = await ownedFlow(owner, [YEARLY]);
    const id = triggerIds[0]!;
    await expectError(await call(`/api/v1/schedules/${id}`, { headers: other.auth }), 404, "not_found");
    for (const action of ["pause", "resume", "run"] as const) await expectError(await postSchedule(other, id, action), 404, "not_found");
    const listed = (await (await call("/api/v1/schedules", { headers: other.auth })).json()) as { schedules: ScheduleBody[] };
    expect(listed.schedules).toEqual([]);
    // Nothing the other account tried changed the schedule or started a run.
    expect(await getSchedule(owner, id)).toMatchObject({ paused: false, state: "active", recent: [] });
    expect(await cronRuns(owner, `trigger_id=${id}`)).toEqual([]);
  });

  it("answers 404 for ids that name no schedule, and 401 without credentials", async () => {
    const user = await signUp();
    await expectError(await call("/api/v1/schedules/trg_0123456789abcdefghijklmno", { headers: user.auth }), 404, "not_found");
    await expectError(await call("/api/v1/schedules/not-an-id", { headers: user.auth }), 404, "not_found");
    await expectError(await call("/api/v1/schedules"), 401, "unauthorized");
    await expectError(await call("/api/v1/schedules?limit=0", { headers: user.auth }), 400, "validation_failed");
  });

  it("answers 404 for a webhook trigger's id: only cron triggers are schedules", async () => {
    const user = await signUp();
    const res = await call("/api/v1/flows", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: `metadata: {name: Hooked}\ntriggers:\n  - {type: webhook}\nnodes:\n  a: {type: transform, params: {script: "return 1"}}\n`,
    });
    const flow = (await res.json()) as { id: string; triggers: { id: string }[] };
    cleanup.push(() => deleteFlow(user, flow.id));
    await expectError(await call(`/api/v1/schedules/${flow.triggers[0]!.id}`, { headers: user.auth }), 404, "not_found");
  });
});
