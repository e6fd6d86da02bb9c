/** Telling schedules about changes, and the backstop's pass over every schedule. */
import { describe, expect, it } from "vitest";
import { eachLimited } from "../../../src/lib/each-limited";
import { rearmSchedules, scheduleControl } from "../../../src/services/schedule-control";
import type { ScheduleRpc } from "../../../src/services/schedule-rpc";
import type { TriggerRecord } from "../../../src/storage/types";

const trigger = (id: string): TriggerRecord => ({
  id,
  account_id: "acc",
  flow_id: "flw",
  key: id,
  kind: "cron",
  source: "flow",
  flow_version: 1,
  config: {},
  paused: false,
  created_at: "",
  updated_at: "",
});

function fakeSchedules(answer: (id: string) => "armed" | "rearmed" | "inactive" | Error = () => "armed") {
  const calls: string[] = [];
  const schedule = (id: string): ScheduleRpc => ({
    refresh: async () => {
      calls.push(`refresh ${id}`);
      return { next_fire_at: null, last_tick_at: null, inactive: null, recent: [] };
    },
    ensureArmed: async (t) => {
      calls.push(`ensure ${t.id}`);
      const result = answer(t.id);
      if (result instanceof Error) throw result;
      return result;
    },
    describe: async () => ({ next_fire_at: null, last_tick_at: null, inactive: null, recent: [] }),
    runNow: async () => null,
  });
  return { schedule, calls };
}

describe("eachLimited", () => {
  it("keeps at most `limit` calls going, calls each item once, and collects failures without stopping", async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const failures = await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      seen.push(n);
      if (n % 3 === 0) throw new Error(`no ${n}`);
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(failures.map((f) => (f as Error).message).sort()).toEqual(["no 3", "no 6"]);
    expect(await eachLimited([], 3, async () => undefined)).toEqual([]);
  });
});

describe("scheduleControl", () => {
  it("tells each cron trigger's schedule once, and no other kind", async () => {
    const { schedule, calls } = fakeSchedules();
    await scheduleControl(schedule).refresh([
      trigger("trg_a"),
      { ...trigger("trg_b"), kind: "webhook" },
      trigger("trg_a"),
      trigger("trg_c"),
    ]);
    expect(calls.sort()).toEqual(["refresh trg_a", "refresh trg_c"]);
  });
});

describe("rearmSchedules", () => {
  it("asks every cron trigger's schedule, page after page, and counts what it did", async () => {
    const all = Array.from({ length: 230 }, (_, i) => trigger(`trg_${String(i).padStart(3, "0")}`));
    const pages: (string | undefined)[] = [];
    const triggers = {
      listAll: async (kind: string, page: { limit: number; cursor?: string | undefined }) => {
        expect(kind).toBe("cron");
        pages.push(page.cursor);
        const start = Number(page.cursor ?? 0);
        const next = start + page.limit;
        return { items: all.slice(start, next), next_cursor: next < all.length ? String(next) : null };
      },
    };
    const { schedule, calls } = fakeSchedules((id) =>
      id.endsWith("7") ? "rearmed" : id.endsWith("9") ? new Error("unreachable") : "armed",
    );
    const report = await rearmSchedules(triggers, schedule);
    expect(pages).toEqual([undefined, "100", "200"]);
    expect(calls).toHaveLength(230);
    expect(report).toEqual({ checked: 230, rearmed: 23, failed: 23 });
  });
});
