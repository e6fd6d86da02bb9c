/** Fire times, catch-up and tick ids: the pure half of schedules. */
import { describe, expect, it } from "vitest";
import { MAX_CATCHUP_TICKS } from "../../../src/flow/triggers";
import { armAt, cadenceOf, dueTicks, LATE_GRACE_MS, tickExecutionId, type Cadence } from "../../../src/triggers/schedule";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** The first `n` ticks after `from`. */
function ticks(cadence: Cadence, from: string, n: number): string[] {
  const out: string[] = [];
  let t: number | null = at(from);
  while (out.length < n && t !== null) {
    t = cadence.after(t);
    if (t !== null) out.push(iso(t));
  }
  return out;
}

describe("cadenceOf", () => {
  it("reads 5 and 6 field expressions and macros in UTC", () => {
    expect(ticks(cadenceOf("*/15 9 * * MON-FRI", "UTC"), "2026-01-02T09:20:00Z", 3)).toEqual([
      "2026-01-02T09:30:00.000Z",
      "2026-01-02T09:45:00.000Z",
      "2026-01-05T09:00:00.000Z",
    ]);
    expect(ticks(cadenceOf("*/20 * * * * *", "UTC"), "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
    ]);
    expect(ticks(cadenceOf("@daily", "UTC"), "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-02T00:00:00.000Z"]);
  });

  it("reads the expression in the time zone", () => {
    // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
    const cadence = cadenceOf("0 9 * * *", "America/New_York");
    expect(ticks(cadence, "2026-01-10T00:00:00Z", 1)).toEqual(["2026-01-10T14:00:00.000Z"]);
    expect(ticks(cadence, "2026-07-10T00:00:00Z", 1)).toEqual(["2026-07-10T13:00:00.000Z"]);
  });

  it("fires a 02:30 daily schedule once at 03:00 when the clocks go forward past 02:30 (Europe/Paris)", () => {
    // 2025-03-30: 02:00 CET becomes 03:00 CEST, so 02:30 never happens that day.
    expect(ticks(cadenceOf("30 2 * * *", "Europe/Paris"), "2025-03-28T12:00:00Z", 3)).toEqual([
      "2025-03-29T01:30:00.000Z", // 02:30 CET
      "2025-03-30T01:00:00.000Z", // 03:00 CEST, the first time after 02:30 that day
      "2025-03-31T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  it("fires a 02:30 daily schedule once when the clocks go back over 02:30 (Europe/Paris)", () => {
    // 2025-10-26: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice; the schedule fires at the first.
    const cadence = cadenceOf("30 2 * * *", "Europe/Paris");
    const fired = ticks(cadence, "2025-10-24T12:00:00Z", 3);
    expect(fired).toEqual(["2025-10-25T00:30:00.000Z", "2025-10-26T00:30:00.000Z", "2025-10-27T01:30:00.000Z"]);
    expect(fired).not.toContain("2025-10-26T01:30:00.000Z");
    // Looking back over the same days finds the same ticks.
    expect(cadence.atOrBefore(at("2025-10-27T01:30:00Z"), 3).map(iso)).toEqual([...fired].reverse());
  });

  it("keeps real-time intervals through a change of the clocks", () => {
    // Every 30 minutes through the fall-back night: the repeated hour is fired through, not skipped or doubled.
    expect(ticks(cadenceOf("*/30 * * * *", "Europe/Paris"), "2025-10-26T00:10:00Z", 4)).toEqual([
      "2025-10-26T00:30:00.000Z",
      "2025-10-26T01:00:00.000Z",
      "2025-10-26T01:30:00.000Z",
      "2025-10-26T02:00:00.000Z",
    ]);
  });

  it("aligns @every to the epoch, so its ticks do not depend on when they are computed", () => {
    const cadence = cadenceOf("@every 7m", "UTC");
    const next = cadence.after(at("2026-01-01T00:00:00Z"))!;
    expect(next % (7 * 60_000)).toBe(0);
    expect(cadence.after(next - 1)).toBe(next);
    expect(cadence.after(next)).toBe(next + 7 * 60_000);
    expect(cadence.atOrBefore(next, 3)).toEqual([next, next - 420_000, next - 840_000]);
    expect(cadence.atOrBefore(next - 1, 1)).toEqual([next - 420_000]);
    expect(ticks(cadenceOf("  @every  1s ", "UTC"), "2026-01-01T00:00:00.500Z", 2)).toEqual([
      "2026-01-01T00:00:01.000Z",
      "2026-01-01T00:00:02.000Z",
    ]);
  });

  it("finds a tick at exactly the time asked about", () => {
    const cadence = cadenceOf("0 * * * *", "UTC");
    expect(cadence.atOrBefore(at("2026-01-01T05:00:00Z"), 1).map(iso)).toEqual(["2026-01-01T05:00:00.000Z"]);
    expect(cadence.after(at("2026-01-01T05:00:00Z"))).toBe(at("2026-01-01T06:00:00Z"));
  });

  it("refuses what is not a schedule", () => {
    expect(() => cadenceOf("@every 10ms", "UTC")).toThrow();
    expect(() => cadenceOf("61 * * * *", "UTC")).toThrow();
  });
});

describe("dueTicks", () => {
  const hourly = cadenceOf("0 * * * *", "UTC");
  const cursor = at("2026-01-01T00:00:00Z");

  it("has nothing due before the next tick", () => {
    for (const catchup of ["none", "latest", "all"] as const) {
      expect(dueTicks(hourly, cursor, at("2026-01-01T00:59:59Z"), catchup)).toEqual({ run: [], missed: null });
    }
  });

  it("runs the tick the alarm was set for, whatever catchup says", () => {
    for (const catchup of ["none", "latest", "all"] as const) {
      expect(dueTicks(hourly, cursor, at("2026-01-01T01:00:00.004Z"), catchup)).toEqual({
        run: [at("2026-01-01T01:00:00Z")],
        missed: null,
      });
    }
  });

  it("none: runs a late tick within the grace, skips a later one", () => {
    const tick = at("2026-01-01T01:00:00Z");
    expect(dueTicks(hourly, cursor, tick + LATE_GRACE_MS, "none")).toEqual({ run: [tick], missed: null });
    expect(dueTicks(hourly, cursor, tick + LATE_GRACE_MS + 1, "none")).toEqual({ run: [], missed: tick });
  });

  it("none: after downtime runs only the newest tick, and only when it is on time", () => {
    expect(dueTicks(hourly, cursor, at("2026-01-01T05:00:30Z"), "none")).toEqual({
      run: [at("2026-01-01T05:00:00Z")],
      missed: at("2026-01-01T04:00:00Z"),
    });
    expect(dueTicks(hourly, cursor, at("2026-01-01T05:30:00Z"), "none")).toEqual({ run: [], missed: at("2026-01-01T05:00:00Z") });
  });

  it("latest: runs the newest missed tick", () => {
    expect(dueTicks(hourly, cursor, at("2026-01-01T05:30:00Z"), "latest")).toEqual({
      run: [at("2026-01-01T05:00:00Z")],
      missed: at("2026-01-01T04:00:00Z"),
    });
  });

  it("all: runs every missed tick, oldest first", () => {
    expect(dueTicks(hourly, cursor, at("2026-01-01T03:30:00Z"), "all")).toEqual({
      run: [at("2026-01-01T01:00:00Z"), at("2026-01-01T02:00:00Z"), at("2026-01-01T03:00:00Z")],
      missed: null,
    });
  });

  it(`all: runs at most the newest ${MAX_CATCHUP_TICKS}`, () => {
    const now = at("2026-01-20T00:30:00Z"); // 456 hourly ticks missed
    const due = dueTicks(hourly, cursor, now, "all");
    expect(due.run).toHaveLength(MAX_CATCHUP_TICKS);
    expect(iso(due.run.at(-1)!)).toBe("2026-01-20T00:00:00.000Z");
    expect(due.run[0]).toBe(at("2026-01-20T00:00:00Z") - (MAX_CATCHUP_TICKS - 1) * 3_600_000);
    expect(due.run).toEqual([...due.run].sort((a, b) => a - b));
    expect(due.missed).toBe(due.run[0]! - 3_600_000);
  });

  it("all: a schedule every second missed for a day costs no more than its cap", () => {
    const everySecond = cadenceOf("* * * * * *", "UTC");
    const started = performance.now();
    const due = dueTicks(everySecond, cursor, cursor + 86_400_000, "all");
    expect(due.run).toHaveLength(MAX_CATCHUP_TICKS);
    expect(due.run.at(-1)).toBe(cursor + 86_400_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("armAt", () => {
  const hourly = cadenceOf("0 * * * *", "UTC");
  it("is the next tick, or now when that tick is already past", () => {
    expect(armAt(hourly, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:10:00Z"))).toBe(at("2026-01-01T01:00:00Z"));
    expect(armAt(hourly, at("2026-01-01T00:00:00Z"), at("2026-01-01T03:10:00Z"))).toBe(at("2026-01-01T03:10:00Z"));
  });
  it("finds a rare tick years ahead", () => {
    const once = cadenceOf("0 0 29 2 *", "UTC");
    expect(armAt(once, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"))).toBe(at("2028-02-29T00:00:00Z"));
  });
});

describe("tickExecutionId", () => {
  it("is the same for one tick of one trigger, different otherwise, and keyed", async () => {
    const tick = at("2026-01-01T01:00:00Z");
    const id = await tickExecutionId("key", "trg_a", tick);
    expect(id).toMatch(/^exe_[0-9a-z]{25}$/);
    expect(await tickExecutionId("key", "trg_a", tick)).toBe(id);
    expect(await tickExecutionId("key", "trg_a", tick + 1000)).not.toBe(id);
    expect(await tickExecutionId("key", "trg_b", tick)).not.toBe(id);
    expect(await tickExecutionId("other key", "trg_a", tick)).not.toBe(id);
  });
});
