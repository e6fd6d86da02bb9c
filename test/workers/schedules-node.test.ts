/** The `cron` node: schedules made, listed, read and deleted from inside a flow, ticking for real. */
import { afterEach, describe, expect, it } from "vitest";
import { call, runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";
import { alarmOf, cronRuns, deleteFlow, eventually, getSchedule, sleep, type ScheduleBody } from "../helpers/schedules";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step().catch(() => undefined);
});

async function flow(user: TestUser, content: string): Promise<string> {
  const id = await saveFlow(user, content);
  cleanup.push(() => deleteFlow(user, id));
  return id;
}

/** The flow a schedule starts: it reports its input and where it started. */
const TARGET = yaml`
metadata: {name: Scheduled target}
nodes:
  first: {type: transform, params: {script: "return {at: 'first', input}"}, next: {default: second}}
  second: {type: transform, params: {script: "return {at: 'second', input}"}}
`;

/** A flow of one cron node with these params (JSON is YAML). */
const cronNodeFlow = (params: Record<string, unknown>, name = "Scheduler") =>
  `metadata: {name: ${name}}\nnodes:\n  plan: {type: cron, params: ${JSON.stringify(params)}}\n`;

interface RunBody {
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
}

async function runCron(user: TestUser, params: Record<string, unknown>): Promise<RunBody> {
  const id = await flow(user, cronNodeFlow(params));
  return (await runFlow(user, id)) as RunBody;
}

describe("cron node", () => {
  it("schedules another flow: its ticks start runs with the payload, at the node chosen", async () => {
    const user = await signUp();
    const target = await flow(user, TARGET);
    const made = await runCron(user, {
      schedule: "* * * * * *",
      flow_id: target,
      id: "ticker",
      payload: { from: "node" },
      node_id: "second",
    });
    expect(made.status).toBe("completed");
    const schedule = made.output as ScheduleBody;
    expect(schedule).toMatchObject({
      key: "ticker",
      flow_id: target,
      source: "node",
      cron: "* * * * * *",
      timezone: "UTC",
      state: "active",
    });
    expect(schedule.id).toMatch(/^trg_/);
    expect(Date.parse(schedule.next_fire_at!)).toBeGreaterThan(Date.now() - 2_000);

    const runs = await eventually(
      () => cronRuns(user, `flow_id=${target}&trigger_type=cron`),
      (r) => r.length >= 2,
    );
    expect(runs.every((r) => r.trigger === `cron:${schedule.id}`)).toBe(true);
    const done = await call(`/api/v1/executions/${runs.at(-1)!.id}?wait=5`, { headers: user.auth }).then(
      (r) => r.json() as Promise<{ output: unknown }>,
    );
    expect(done.output).toEqual({ at: "second", input: { from: "node" } });

    // The schedules API shows it like any other.
    const listed = (await (await call(`/api/v1/schedules?flow_id=${target}`, { headers: user.auth })).json()) as {
      schedules: ScheduleBody[];
    };
    expect(listed.schedules.map((s) => [s.id, s.source])).toEqual([[schedule.id, "node"]]);
  });

  it("replaces the schedule with the same id, lists, gets by key or id, and deletes it (its alarm with it)", async () => {
    const user = await signUp();
    const target = await flow(user, TARGET);
    const first = (await runCron(user, { schedule: "0 9 * * *", flow_id: target, id: "daily" })).output as ScheduleBody;
    const second = (await runCron(user, { schedule: "0 18 * * *", timezone: "America/New_York", flow_id: target, id: "daily" }))
      .output as ScheduleBody;
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ cron: "0 18 * * *", timezone: "America/New_York" });
    expect(await alarmOf(first.id)).toBe(Date.parse(second.next_fire_at!));

    const listed = (await runCron(user, { operation: "list", flow_id: target })).output as { schedules: ScheduleBody[] };
    expect(listed.schedules.map((s) => s.id)).toEqual([first.id]);
    const all = (await runCron(user, { operation: "list" })).output as { schedules: ScheduleBody[] };
    expect(all.schedules.map((s) => s.id)).toContain(first.id);
    expect(((await runCron(user, { operation: "get", id: "daily", flow_id: target })).output as ScheduleBody).id).toBe(first.id);
    expect(((await runCron(user, { operation: "get", id: first.id })).output as ScheduleBody).key).toBe("daily");

    const deleted = await runCron(user, { operation: "delete", id: "daily", flow_id: target });
    expect(deleted.output).toEqual({ id: first.id, deleted: true });
    expect(
      await eventually(
        () => alarmOf(first.id),
        (a) => a === null,
      ),
    ).toBeNull();
    await expect(call(`/api/v1/schedules/${first.id}`, { headers: user.auth }).then((r) => r.status)).resolves.toBe(404);
    expect((await runCron(user, { operation: "delete", id: "daily", flow_id: target })).output).toEqual({ id: null, deleted: false });
  });

  it("schedules its own flow under its node id when flow_id and id are left out", async () => {
    const user = await signUp();
    const id = await flow(user, cronNodeFlow({ schedule: "@daily", payload: "${input}" }, "Self"));
    const run = (await runFlow(user, id, { n: 1 })) as RunBody;
    expect(run.output).toMatchObject({ flow_id: id, key: "plan", input: { n: 1 }, cron: "@daily" });
    const schedule = run.output as ScheduleBody;
    expect((await getSchedule(user, schedule.id)).state).toBe("active");
  });

  it("fails the step with a code, never touching what it may not", async () => {
    const [user, other] = [await signUp(), await signUp()];
    const declared = await saveFlow(
      user,
      yaml`
metadata: {name: Declares one}
triggers:
  - {id: nightly, type: cron, cron: "@daily"}
nodes:
  a: {type: transform, params: {script: "return 1"}}
`,
    );
    cleanup.push(() => deleteFlow(user, declared));
    const foreign = await flow(other, TARGET);
    const cases: [Record<string, unknown>, string][] = [
      [{ operation: "get", id: "missing" }, "not_found"],
      [{ operation: "delete", id: "nightly", flow_id: declared }, "conflict"],
      [{ schedule: "@daily", flow_id: foreign }, "not_found"],
      [{ schedule: "@daily", flow_id: declared, id: "no spaces allowed" }, "invalid_params"],
      [{ schedule: "@daily", flow_id: declared, node_id: "nowhere" }, "invalid_params"],
    ];
    for (const [params, code] of cases) {
      const run = await runCron(user, params);
      expect(run.status, JSON.stringify(params)).toBe("failed");
      expect(run.error?.code, JSON.stringify(params)).toBe(code);
    }
    // The other account's flow got no schedule, and the declared one is still there.
    expect(((await (await call("/api/v1/schedules", { headers: other.auth })).json()) as { schedules: unknown[] }).schedules).toEqual([]);
    const mine = (await (await call(`/api/v1/schedules?flow_id=${declared}`, { headers: user.auth })).json()) as {
      schedules: ScheduleBody[];
    };
    expect(mine.schedules.map((s) => s.key)).toEqual(["nightly"]);
  });

  it("deleting the scheduled flow stops its node-made schedule", async () => {
    const user = await signUp();
    const target = await saveFlow(user, TARGET);
    const schedule = (await runCron(user, { schedule: "* * * * * *", flow_id: target })).output as ScheduleBody;
    await eventually(
      () => cronRuns(user, `flow_id=${target}`),
      (r) => r.length >= 1,
    );
    await deleteFlow(user, target);
    expect(
      await eventually(
        () => alarmOf(schedule.id),
        (a) => a === null,
      ),
    ).toBeNull();
    const count = (await cronRuns(user, `flow_id=${target}`)).length;
    await sleep(1_500);
    expect(await cronRuns(user, `flow_id=${target}`)).toHaveLength(count);
  });
});
