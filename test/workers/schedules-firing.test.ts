/** Schedules firing for real: alarms, the flow switch and delete, duplicate fires, the backstop. */
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { ScheduleObject } from "../../src/objects/schedule/object";
import { call, signUp, type TestUser } from "../helpers/api";
import { alarmOf, cronFlow, cronRuns, deleteFlow, eventually, getSchedule, scheduleStub, sleep, sqlIn } from "../helpers/schedules";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step().catch(() => undefined);
});

async function ownedFlow(user: TestUser, triggers: string[]) {
  const flow = await cronFlow(user, triggers);
  cleanup.push(() => deleteFlow(user, flow.flowId));
  return flow;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("ticking by itself", () => {
  it.each([
    ["a six-field expression", `{type: cron, cron: "* * * * * *", input: {from: schedule}}`],
    ["@every", `{type: cron, cron: "@every 1s", input: {from: schedule}}`],
  ])("fires every second with %s, one run per tick, each with its own id", async (_name, trigger) => {
    const user = await signUp();
    const { flowId, triggerIds } = await ownedFlow(user, [trigger]);
    const id = triggerIds[0]!;
    const runs = await eventually(
      () => cronRuns(user, `flow_id=${flowId}&trigger_type=cron`),
      (r) => r.length >= 2,
    );
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((r) => r.trigger === `cron:${id}`)).toBe(true);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    const schedule = await getSchedule(user, id);
    const started = schedule.recent.filter((t) => t.outcome === "started");
    expect(started.length).toBeGreaterThanOrEqual(2);
    // Whole seconds, one second apart, newest first.
    for (const tick of started) expect(Date.parse(tick.tick_at) % 1000).toBe(0);
    expect(Date.parse(started[0]!.tick_at) - Date.parse(started[1]!.tick_at)).toBe(1000);
    const finished = await eventually(
      () =>
        call(`/api/v1/executions/${started[0]!.execution_id}?wait=5`, { headers: user.auth }).then(
          (r) => r.json() as Promise<{ status: string; output: unknown }>,
        ),
      (e) => e.status === "completed",
    );
    expect(finished.output).toEqual({ from: "schedule" });
  });

  it("stops when the flow is switched off: the alarm is cleared and no tick starts a run", async () => {
    const user = await signUp();
    const { flowId, triggerIds } = await ownedFlow(user, [`{type: cron, cron: "* * * * * *"}`]);
    const id = triggerIds[0]!;
    await eventually(
      () => cronRuns(user, `flow_id=${flowId}`),
      (r) => r.length >= 1,
    );
    expect((await call(`/api/v1/flows/${flowId}/disable`, { method: "POST", headers: user.auth })).status).toBe(200);
    expect(
      await eventually(
        () => alarmOf(id),
        (a) => a === null,
      ),
    ).toBeNull();
    const count = (await cronRuns(user, `flow_id=${flowId}`)).length;
    await sleep(2_500);
    expect(await cronRuns(user, `flow_id=${flowId}`)).toHaveLength(count);
    expect(await alarmOf(id)).toBeNull();
  });

  it("stops when the flow is deleted: the alarm is cleared and the object's state is gone", async () => {
    const user = await signUp();
    const { flowId, triggerIds } = await cronFlow(user, [`{type: cron, cron: "* * * * * *"}`]);
    const id = triggerIds[0]!;
    await eventually(
      () => cronRuns(user, `flow_id=${flowId}`),
      (r) => r.length >= 1,
    );
    await deleteFlow(user, flowId);
    expect(
      await eventually(
        () => alarmOf(id),
        (a) => a === null,
      ),
    ).toBeNull();
    expect(await sqlIn(id, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('schedule', 'ticks')")).toEqual([]);
    const count = (await cronRuns(user, `flow_id=${flowId}`)).length;
    await sleep(2_000);
    expect(await cronRuns(user, `flow_id=${flowId}`)).toHaveLength(count);
  });
});

describe("firing by hand", () => {
  // Hourly, with the schedule's past moved back some hours: the ticks the test looks at are in the
  // past, and the next real one is most likely far enough away not to fire during the test.
  const HOURLY = (catchup: string) => `{type: cron, cron: "0 * * * *", catchup: ${catchup}}`;

  /** Moves the schedule's past back `ms`, as if it had not fired for that long. */
  async function rewind(id: string, ms: number): Promise<number> {
    const [row] = await sqlIn(id, "SELECT since FROM schedule");
    const since = Number(row!.since) - ms;
    await sqlIn(id, "UPDATE schedule SET since = ?, last_tick = NULL", since);
    return since;
  }

  it("catchup latest: the alarm fired after downtime starts one run for the newest missed tick", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [HOURLY("latest")]);
    const id = triggerIds[0]!;
    await rewind(id, 5 * HOUR);
    expect(await runDurableObjectAlarm(scheduleStub(id))).toBe(true);
    const runs = await cronRuns(user, `trigger_id=${id}`);
    expect(runs).toHaveLength(1);
    const schedule = await getSchedule(user, id);
    expect(schedule.recent.map((t) => t.outcome)).toEqual(["started", "missed"]);
    expect(Date.parse(schedule.recent[0]!.tick_at)).toBe(Math.floor(Date.now() / HOUR) * HOUR);
    expect(Date.parse(schedule.recent[1]!.tick_at)).toBe(Math.floor(Date.now() / HOUR) * HOUR - HOUR);
    expect(schedule.recent[0]!.execution_id).toBe(runs[0]!.id);
    expect(await alarmOf(id)).toBe(Date.parse(schedule.next_fire_at!));
    expect(Date.parse(schedule.next_fire_at!)).toBe(Math.floor(Date.now() / HOUR) * HOUR + HOUR);
  });

  it("catchup all: starts every missed tick, oldest first", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [HOURLY("all")]);
    const id = triggerIds[0]!;
    await rewind(id, 3 * HOUR + 30 * MINUTE);
    await runDurableObjectAlarm(scheduleStub(id));
    const schedule = await getSchedule(user, id);
    const ticks = schedule.recent.map((t) => Date.parse(t.tick_at)).reverse();
    expect(schedule.recent.every((t) => t.outcome === "started")).toBe(true);
    expect([3, 4]).toContain(ticks.length);
    expect(ticks.every((t, i) => i === 0 || t - ticks[i - 1]! === HOUR)).toBe(true);
    expect(ticks.at(-1)).toBe(Math.floor(Date.now() / HOUR) * HOUR);
    expect(await cronRuns(user, `trigger_id=${id}`)).toHaveLength(ticks.length);
  });

  it("catchup none: a tick missed by more than a minute starts nothing", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [`{type: cron, cron: "@every 1h"}`]);
    const id = triggerIds[0]!;
    await rewind(id, 3 * HOUR);
    // Unless the hour just began, the newest tick is more than a minute old.
    if (Date.now() % HOUR < 2 * MINUTE) return;
    await runDurableObjectAlarm(scheduleStub(id));
    expect((await getSchedule(user, id)).recent.map((t) => t.outcome)).toEqual(["missed"]);
    expect(await cronRuns(user, `trigger_id=${id}`)).toEqual([]);
  });

  it("a second fire of the same tick finds the first run: one execution", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [HOURLY("latest")]);
    const id = triggerIds[0]!;
    const since = await rewind(id, 2 * HOUR);
    await runDurableObjectAlarm(scheduleStub(id));
    expect(await cronRuns(user, `trigger_id=${id}`)).toHaveLength(1);
    // The object forgets it fired (as a crash before its state was kept would), and the alarm fires again.
    await sqlIn(id, "UPDATE schedule SET since = ?, last_tick = NULL", since);
    await sqlIn(id, "DELETE FROM ticks");
    await runInDurableObject(scheduleStub(id), (instance) => (instance as unknown as ScheduleObject).alarm());
    const schedule = await getSchedule(user, id);
    expect(schedule.recent.map((t) => [t.outcome, t.message])).toEqual([
      ["started", "Started by an earlier fire of this tick"],
      ["missed", "Missed while the schedule could not fire"],
    ]);
    expect(await cronRuns(user, `trigger_id=${id}`)).toHaveLength(1);
  });
});

describe("the every-minute backstop", () => {
  it("re-arms a schedule whose alarm went missing, and leaves the others as they are", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [`{id: a, type: cron, cron: "0 0 1 1 *"}`, `{id: b, type: cron, cron: "0 0 1 7 *"}`]);
    const [lost, kept] = triggerIds as [string, string];
    const expected = Date.parse((await getSchedule(user, lost)).next_fire_at!);
    const keptAlarm = await alarmOf(kept);
    await runInDurableObject(scheduleStub(lost), (_instance, state: DurableObjectState) => state.storage.deleteAlarm());
    expect(await alarmOf(lost)).toBeNull();

    const worker = (await import("../../src/index")).default;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await alarmOf(lost)).toBe(expected);
    expect(await alarmOf(kept)).toBe(keptAlarm);
  });

  it("leaves a paused schedule without an alarm", async () => {
    const user = await signUp();
    const { triggerIds } = await ownedFlow(user, [`{type: cron, cron: "0 0 1 1 *"}`]);
    const id = triggerIds[0]!;
    await call(`/api/v1/schedules/${id}/pause`, { method: "POST", headers: user.auth });
    const worker = (await import("../../src/index")).default;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await alarmOf(id)).toBeNull();
  });
});
