/** The scheduler under a fake clock: arming, firing, catch-up, overlap, and the trigger row as the truth. */
import { describe, expect, it } from "vitest";
import { MAX_CATCHUP_TICKS } from "../../../src/flow/triggers";
import { ACCOUNT, ScheduleHarness, TRIGGER_ID } from "./harness";

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = at("2026-01-01T00:00:00Z");

async function armed(declaration: ConstructorParameters<typeof ScheduleHarness>[0]): Promise<ScheduleHarness> {
  const h = new ScheduleHarness(declaration, START);
  await h.scheduler.refresh(TRIGGER_ID);
  return h;
}

describe("Scheduler: arming and firing", () => {
  it("arms at the next fire time and starts one run per tick, with the tick's id and the trigger's label and input", async () => {
    const h = await armed({ cron: "0 * * * *", input: { hello: "world" } });
    expect(h.alarm).toBe(at("2026-01-01T01:00:00Z"));
    await h.advanceTo(at("2026-01-01T03:30:00Z"));
    expect(h.startedTicks()).toEqual(["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z", "2026-01-01T03:00:00.000Z"]);
    expect(h.alarm).toBe(at("2026-01-01T04:00:00Z"));
    const ids = await Promise.all([1, 2, 3].map((hour) => h.tickId(at(`2026-01-01T0${hour}:00:00Z`))));
    expect([...h.runs.keys()]).toEqual(ids);
    for (const run of h.runs.values()) {
      expect(run.trigger).toBe(`cron:${TRIGGER_ID}`);
      expect(run.input).toEqual({ hello: "world" });
    }
    const described = h.scheduler.describe();
    expect(described.next_fire_at).toBe("2026-01-01T04:00:00.000Z");
    expect(described.last_tick_at).toBe("2026-01-01T03:00:00.000Z");
    expect(described.inactive).toBeNull();
    expect(described.recent.map((t) => [t.tick_at, t.outcome, t.execution_id])).toEqual([
      ["2026-01-01T03:00:00.000Z", "started", ids[2]],
      ["2026-01-01T02:00:00.000Z", "started", ids[1]],
      ["2026-01-01T01:00:00.000Z", "started", ids[0]],
    ]);
  });

  it("fires every second with a six-field expression, and on @every's epoch-aligned ticks", async () => {
    const seconds = await armed({ cron: "* * * * * *" });
    await seconds.advance(5_000);
    expect(seconds.runs.size).toBe(5);
    const every = await armed({ cron: "@every 90s" });
    await every.advance(10 * MINUTE);
    expect(every.startedTicks().every((tick) => Date.parse(tick) % 90_000 === 0)).toBe(true);
    expect(every.runs.size).toBe(Math.floor((10 * MINUTE) / 90_000));
  });

  it("starts nothing for ticks before it was armed", async () => {
    const h = new ScheduleHarness({ cron: "0 * * * *", catchup: "all" }, START);
    h.clock.advance(5 * HOUR + 10 * MINUTE);
    await h.scheduler.refresh(TRIGGER_ID);
    expect(h.alarm).toBe(at("2026-01-01T06:00:00Z"));
    expect(h.runs.size).toBe(0);
  });

  it("follows the time zone across a change of the clocks (Europe/Paris, 02:30 daily)", async () => {
    const h = new ScheduleHarness({ cron: "30 2 * * *", timezone: "Europe/Paris" }, at("2025-10-24T12:00:00Z"));
    await h.scheduler.refresh(TRIGGER_ID);
    await h.advanceTo(at("2025-10-28T12:00:00Z"));
    // 02:30 happened twice on the 26th; one run.
    expect(h.startedTicks()).toEqual([
      "2025-10-25T00:30:00.000Z",
      "2025-10-26T00:30:00.000Z",
      "2025-10-27T01:30:00.000Z",
      "2025-10-28T01:30:00.000Z",
    ]);
  });
});

describe("Scheduler: ticks missed while it could not fire", () => {
  async function afterDowntime(catchup: "none" | "latest" | "all", downtime: number) {
    const h = await armed({ cron: "0 * * * *", catchup });
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    expect(h.runs.size).toBe(1);
    // Down from just after 01:00 until `downtime` later; the alarm fires once when it comes back.
    await h.downtime(downtime);
    return h;
  }

  it("none: runs a tick that is at most a minute late", async () => {
    const h = await afterDowntime("none", HOUR + 30_000);
    expect(h.startedTicks()).toEqual(["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"]);
  });

  it("none: skips ticks missed by more than a minute and waits for the next", async () => {
    const h = await afterDowntime("none", 3 * HOUR + 20 * MINUTE);
    expect(h.startedTicks()).toEqual(["2026-01-01T01:00:00.000Z"]);
    expect(h.outcomes().at(-1)).toBe("04:00:00 missed");
    expect(h.alarm).toBe(at("2026-01-01T05:00:00Z"));
  });

  it("latest: runs the newest missed tick once", async () => {
    const h = await afterDowntime("latest", 3 * HOUR + 20 * MINUTE);
    expect(h.startedTicks()).toEqual(["2026-01-01T01:00:00.000Z", "2026-01-01T04:00:00.000Z"]);
    expect(h.outcomes().slice(-2)).toEqual(["03:00:00 missed", "04:00:00 started"]);
    expect(h.alarm).toBe(at("2026-01-01T05:00:00Z"));
  });

  it("all: runs every missed tick, oldest first", async () => {
    const h = await afterDowntime("all", 3 * HOUR + 20 * MINUTE);
    expect(h.startedTicks()).toEqual([
      "2026-01-01T01:00:00.000Z",
      "2026-01-01T02:00:00.000Z",
      "2026-01-01T03:00:00.000Z",
      "2026-01-01T04:00:00.000Z",
    ]);
    expect(h.alarm).toBe(at("2026-01-01T05:00:00Z"));
  });

  it(`all: at most ${MAX_CATCHUP_TICKS}, the newest`, async () => {
    const h = await afterDowntime("all", 200 * HOUR);
    expect(h.runs.size).toBe(1 + MAX_CATCHUP_TICKS);
    expect(h.startedTicks().at(-1)).toBe("2026-01-09T09:00:00.000Z");
  });
});

describe("Scheduler: overlap", () => {
  it("skip: starts nothing while the previous run is running or waiting, and runs again once it ended", async () => {
    const h = await armed({ cron: "0 * * * *", overlap: "skip" });
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    const [first] = [...h.runs.values()];
    await h.advanceTo(at("2026-01-01T02:00:00Z"));
    first!.status = "waiting";
    await h.advanceTo(at("2026-01-01T03:00:00Z"));
    expect(h.runs.size).toBe(1);
    expect(h.outcomes()).toEqual(["01:00:00 started", "02:00:00 skipped_overlap", "03:00:00 skipped_overlap"]);
    first!.status = "completed";
    await h.advanceTo(at("2026-01-01T04:00:00Z"));
    expect(h.runs.size).toBe(2);
    expect(h.outcomes().at(-1)).toBe("04:00:00 started");
  });

  it("cancel_previous: cancels the run still going, then starts the new one", async () => {
    const h = await armed({ cron: "0 * * * *", overlap: "cancel_previous" });
    await h.advanceTo(at("2026-01-01T02:00:00Z"));
    const [first, second] = [...h.runs.values()];
    expect(first!.status).toBe("cancelled");
    expect(second!.status).toBe("running");
    expect(h.scheduler.describe().recent[0]!.message).toBe(`Cancelled ${first!.id}, which was still running`);
  });

  it("allow: starts another while the previous one runs", async () => {
    const h = await armed({ cron: "0 * * * *" });
    await h.advanceTo(at("2026-01-01T03:00:00Z"));
    expect([...h.runs.values()].map((r) => r.status)).toEqual(["running", "running", "running"]);
  });
});

describe("Scheduler: one run per tick", () => {
  it("a repeated fire of the same tick (crash before its state was saved) finds the first run", async () => {
    const h = await armed({ cron: "0 * * * *", overlap: "skip" });
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    h.runs.values().next().value!.status = "completed";
    const before = structuredClone(h.store.state);
    await h.advanceTo(at("2026-01-01T02:00:00Z"));
    expect(h.runs.size).toBe(2);
    // The 02:00 run started, then the object died before its state was kept: the alarm fires again.
    h.store.state = before;
    h.alarm = at("2026-01-01T02:00:00Z");
    await h.scheduler.fire();
    expect(h.runs.size).toBe(2);
    expect(h.outcomes().slice(-2)).toEqual(["02:00:00 started", "02:00:00 started"]);
    expect(h.scheduler.describe().recent[0]!.message).toBe("Started by an earlier fire of this tick");
  });

  it("a second alarm for a tick already handled starts nothing", async () => {
    const h = await armed({ cron: "0 * * * *" });
    await h.advanceTo(at("2026-01-01T01:00:00.010Z"));
    await h.scheduler.fire();
    await h.scheduler.fire();
    expect(h.runs.size).toBe(1);
    expect(h.alarm).toBe(at("2026-01-01T02:00:00Z"));
  });

  it("a start that fails is tried again by the next fire, with the same id", async () => {
    const h = await armed({ cron: "0 * * * *" });
    const flow = h.flow;
    h.flow = new Proxy(flow!, {
      get: () => {
        throw new Error("database unavailable");
      },
    });
    h.clock.set(at("2026-01-01T01:00:00Z"));
    await expect(h.scheduler.fire()).rejects.toThrow("database unavailable");
    h.flow = flow;
    await h.scheduler.fire();
    expect(h.runs.size).toBe(1);
    expect([...h.runs.keys()]).toEqual([await h.tickId(at("2026-01-01T01:00:00Z"))]);
  });
});

describe("Scheduler: the trigger row is the truth", () => {
  it("paused: no run, the alarm cleared; resumed: ticks again from the resume, without the paused ticks", async () => {
    const h = await armed({ cron: "0 * * * *", catchup: "all" });
    h.pause(true);
    await h.scheduler.refresh(TRIGGER_ID);
    expect(h.alarm).toBeNull();
    expect(h.scheduler.describe().inactive).toBe("trigger_paused");
    await h.advanceTo(at("2026-01-01T05:30:00Z"));
    expect(h.runs.size).toBe(0);
    h.pause(false);
    await h.scheduler.refresh(TRIGGER_ID);
    expect(h.alarm).toBe(at("2026-01-01T06:00:00Z"));
    await h.advanceTo(at("2026-01-01T06:00:00Z"));
    expect(h.startedTicks()).toEqual(["2026-01-01T06:00:00.000Z"]);
  });

  it("paused without being told: the next fire starts nothing and clears the alarm", async () => {
    const h = await armed({ cron: "0 * * * *" });
    h.pause(true);
    await h.advanceTo(at("2026-01-01T03:00:00Z"));
    expect(h.runs.size).toBe(0);
    expect(h.alarm).toBeNull();
    expect(h.outcomes()).toEqual(["01:00:00 skipped_paused"]);
  });

  it("flow switched off: no run, the alarm cleared; switched on: armed again", async () => {
    const h = await armed({ cron: "0 * * * *" });
    h.flow!.enabled = false;
    await h.advanceTo(at("2026-01-01T02:00:00Z"));
    expect(h.runs.size).toBe(0);
    expect(h.alarm).toBeNull();
    expect(h.scheduler.describe().inactive).toBe("flow_disabled");
    h.flow!.enabled = true;
    await h.scheduler.refresh(TRIGGER_ID);
    expect(h.alarm).toBe(at("2026-01-01T03:00:00Z"));
  });

  it("declared enabled: false: never armed", async () => {
    const h = await armed({ cron: "0 * * * *", enabled: false });
    expect(h.alarm).toBeNull();
    expect(h.scheduler.describe().inactive).toBe("trigger_disabled");
  });

  it("trigger removed (or its flow deleted): no run, the alarm cleared, the schedule's state forgotten", async () => {
    const h = await armed({ cron: "0 * * * *" });
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    h.triggers.clear();
    await h.advanceTo(at("2026-01-01T02:00:00Z"));
    expect(h.runs.size).toBe(1);
    expect(h.alarm).toBeNull();
    expect(h.store.state).toBeNull();
    expect(h.store.ticks).toEqual([]);
  });

  it("a flow update changing the expression re-arms at the new next time", async () => {
    const h = await armed({ cron: "0 * * * *" });
    await h.advanceTo(at("2026-01-01T01:10:00Z"));
    h.setTrigger({ cron: "*/15 * * * *" });
    await h.scheduler.refresh(TRIGGER_ID);
    expect(h.alarm).toBe(at("2026-01-01T01:15:00Z"));
    await h.advanceTo(at("2026-01-01T01:45:00Z"));
    expect(h.startedTicks()).toEqual([
      "2026-01-01T01:00:00.000Z",
      "2026-01-01T01:15:00.000Z",
      "2026-01-01T01:30:00.000Z",
      "2026-01-01T01:45:00.000Z",
    ]);
  });

  it("an expression changed without being told takes effect at the old alarm, counting from the change", async () => {
    const h = await armed({ cron: "0 * * * *", catchup: "all" });
    h.clock.set(at("2026-01-01T00:58:00Z"));
    h.setTrigger({ cron: "*/1 * * * *", catchup: "all" });
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    expect(h.startedTicks()).toEqual(["2026-01-01T00:59:00.000Z", "2026-01-01T01:00:00.000Z"]);
    expect(h.alarm).toBe(at("2026-01-01T01:01:00Z"));
  });

  it("starts at the node a cron node chose", async () => {
    const h = await armed({ cron: "0 * * * *", start_node: "second" });
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    expect([...h.runs.values()][0]!.start_node).toBe("second");
  });
});

describe("Scheduler: the backstop and run-now", () => {
  it("ensureArmed: re-arms a missing alarm, and otherwise reads nothing", async () => {
    const h = await armed({ cron: "0 * * * *" });
    const trigger = h.triggers.get(TRIGGER_ID)!;
    const reads = h.triggerReads;
    expect(await h.scheduler.ensureArmed(trigger)).toBe("armed");
    expect(h.triggerReads).toBe(reads);
    h.alarm = null;
    expect(await h.scheduler.ensureArmed(trigger)).toBe("rearmed");
    expect(h.alarm).toBe(at("2026-01-01T01:00:00Z"));
  });

  it("ensureArmed: arms a schedule that was never told about, and leaves a paused one alone", async () => {
    const h = new ScheduleHarness({ cron: "0 * * * *" }, START);
    expect(await h.scheduler.ensureArmed(h.triggers.get(TRIGGER_ID)!)).toBe("rearmed");
    expect(h.alarm).toBe(at("2026-01-01T01:00:00Z"));
    h.pause(true);
    expect(await h.scheduler.ensureArmed(h.triggers.get(TRIGGER_ID)!)).toBe("inactive");
    expect(h.alarm).toBeNull();
    expect(await h.scheduler.ensureArmed(h.triggers.get(TRIGGER_ID)!)).toBe("inactive");
  });

  it("ensureArmed: a row changed since the schedule read it is read again", async () => {
    const h = await armed({ cron: "0 * * * *" });
    h.clock.advance(MINUTE);
    const changed = h.setTrigger({ cron: "*/5 * * * *" });
    expect(await h.scheduler.ensureArmed(changed)).toBe("rearmed");
    expect(h.alarm).toBe(at("2026-01-01T00:05:00Z"));
  });

  it("ensureArmed: an overdue alarm fires at once and catches up", async () => {
    const h = await armed({ cron: "0 * * * *", catchup: "latest" });
    h.alarm = null;
    h.clock.set(at("2026-01-01T02:30:00Z"));
    await h.scheduler.ensureArmed(h.triggers.get(TRIGGER_ID)!);
    expect(h.alarm).toBe(at("2026-01-01T02:30:00Z"));
    await h.advance(0);
    expect(h.startedTicks()).toEqual(["2026-01-01T02:00:00.000Z"]);
  });

  it("runNow: one run with a fresh id, even while paused, that overlap then sees", async () => {
    const h = await armed({ cron: "0 * * * *", overlap: "skip" });
    h.pause(true);
    const result = await h.scheduler.runNow(TRIGGER_ID, ACCOUNT);
    expect(result).toMatchObject({ ok: true, created: true });
    expect(h.runs.size).toBe(1);
    const run = [...h.runs.values()][0]!;
    expect(run.trigger).toBe(`cron:${TRIGGER_ID}`);
    expect(run.id).not.toBe(await h.tickId(at("2026-01-01T01:00:00Z")));
    expect(h.scheduler.describe().recent[0]).toMatchObject({ outcome: "run_now", execution_id: run.id });
    h.pause(false);
    await h.scheduler.refresh(TRIGGER_ID);
    await h.advanceTo(at("2026-01-01T01:00:00Z"));
    expect(h.outcomes().at(-1)).toBe("01:00:00 skipped_overlap");
  });

  it("runNow: refused for a switched-off flow, unknown to another account", async () => {
    const h = await armed({ cron: "0 * * * *" });
    expect(await h.scheduler.runNow(TRIGGER_ID, "acc_other")).toBeNull();
    h.flow!.enabled = false;
    expect(await h.scheduler.runNow(TRIGGER_ID, ACCOUNT)).toMatchObject({ ok: false, code: "flow_disabled" });
    expect(h.runs.size).toBe(0);
  });
});
