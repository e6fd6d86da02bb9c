import { describe, expect, it } from "vitest";
import type { ExecutionStatus } from "../../../src/engine/types";
import {
  ACT_BATCH,
  OperationRunner,
  type ActResult,
  type OperationRecord,
  type OperationStart,
  type OperationStore,
  type TargetOutcome,
} from "../../../src/operations/runner";
import type { OperationFilter } from "../../../src/services/operation-schemas";

/** The operation object's store in memory; `crashOnSettle` makes the nth settle die before its write lands. */
class MemoryStore implements OperationStore {
  record: OperationRecord | null = null;
  targets = new Map<string, TargetOutcome | null>();
  settles = 0;
  crashOnSettle = -1;

  read = () => (this.record ? structuredClone(this.record) : null);
  write = (record: OperationRecord) => void (this.record = structuredClone(record));
  addTargets = (ids: string[]) => ids.forEach((id) => this.targets.has(id) || this.targets.set(id, null));
  count = () => this.targets.size;
  pending = (limit: number) =>
    [...this.targets]
      .filter(([, outcome]) => outcome === null)
      .slice(0, limit)
      .map(([id]) => id);
  settle(id: string, outcome: TargetOutcome, record: OperationRecord): void {
    if (this.settles++ === this.crashOnSettle) throw new Error("crash");
    this.targets.set(id, outcome);
    this.write(record);
  }
}

interface Run {
  id: string;
  created_at: string;
  status: ExecutionStatus;
}

/** An execution index newest first, paged by position, as storage.executions.list pages it. */
function index(runs: Run[]) {
  const reads: OperationFilter[] = [];
  const list = async (_account: string, filter: OperationFilter, cursor: string | undefined, limit: number) => {
    reads.push(filter);
    const matching = runs
      .filter((r) => (!filter.status || r.status === filter.status) && (!filter.until || r.created_at < filter.until))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    const from = cursor ? Number(cursor) : 0;
    const items = matching.slice(from, from + limit);
    return { items, next_cursor: from + limit < matching.length ? String(from + limit) : null };
  };
  return { list, reads };
}

const START: OperationStart = {
  id: "opr_test",
  account_id: "acc_test",
  action: "cancel",
  filter: { flow_id: "flw_test" },
  actor: { username: "ada", via: "jwt" },
  created_at: "2026-06-01T12:00:00.000Z",
};

const runsAt = (count: number, status: ExecutionStatus, minute = 0): Run[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `exe_${status}_${minute}_${i}`,
    status,
    created_at: new Date(Date.UTC(2026, 5, 1, 11, minute, i)).toISOString(),
  }));

async function drive(runner: OperationRunner): Promise<number> {
  let steps = 1;
  while (await runner.step()) steps++;
  return steps;
}

describe("OperationRunner", () => {
  it("collects what the action applies to, then acts in bounded batches", async () => {
    const runs = [...runsAt(60, "waiting"), ...runsAt(5, "completed", 30), ...runsAt(3, "running", 40)];
    const acted: string[] = [];
    const { list } = index(runs);
    const store = new MemoryStore();
    const runner = new OperationRunner({
      store,
      now: () => Date.parse("2026-06-01T12:05:00Z"),
      list,
      act: async (_record, id) => {
        acted.push(id);
        return "done";
      },
    });
    runner.start(START);
    expect(await runner.step()).toBe(true);
    expect(store.record).toMatchObject({ scanning: false, matched: 63, done: 0 });
    expect(await runner.step()).toBe(true);
    expect(acted).toHaveLength(ACT_BATCH);
    await drive(runner);
    expect(acted.sort()).toEqual(
      runs
        .filter((r) => r.status !== "completed")
        .map((r) => r.id)
        .sort(),
    );
    expect(store.record).toMatchObject({ status: "succeeded", matched: 63, done: 63, failed: 0, finished_at: "2026-06-01T12:05:00.000Z" });
  });

  it("reads the index only up to the operation's start, whatever until was asked", async () => {
    const { list, reads } = index(runsAt(2, "waiting"));
    const runner = new OperationRunner({ store: new MemoryStore(), now: () => 0, list, act: async () => "done" as ActResult });
    runner.start({ ...START, filter: { until: "2030-01-01T00:00:00.000Z" } });
    await drive(runner);
    expect(reads[0]!.until).toBe(START.created_at);
    const earlier = new OperationRunner({ store: new MemoryStore(), now: () => 0, list, act: async () => "done" as ActResult });
    earlier.start({ ...START, filter: { until: "2026-01-01T00:00:00.000Z" } });
    await drive(earlier);
    expect(reads.at(-1)!.until).toBe("2026-01-01T00:00:00.000Z");
  });

  it("after a crash mid-batch, repeats only the action that was under way and counts each run once", async () => {
    const runs = runsAt(40, "waiting");
    const acted: string[] = [];
    const { list } = index(runs);
    const store = new MemoryStore();
    const ports = {
      store,
      now: () => 0,
      list,
      act: async (_record: OperationRecord, id: string): Promise<ActResult> => {
        acted.push(id);
        return "done";
      },
    };
    new OperationRunner(ports).start(START);
    store.crashOnSettle = 30;
    await expect(drive(new OperationRunner(ports))).rejects.toThrow("crash");
    // A new object over what was written.
    await drive(new OperationRunner(ports));
    expect(store.record).toMatchObject({ status: "succeeded", matched: 40, done: 40 });
    const repeated = acted.filter((id, i) => acted.indexOf(id) !== i);
    expect(repeated).toEqual([acted[30]]);
    expect([...store.targets.values()].every((outcome) => outcome === "done")).toBe(true);
  });

  it("counts failures and skips, keeps the first few errors, and fails when any run failed", async () => {
    const { list } = index(runsAt(14, "failed"));
    const store = new MemoryStore();
    const runner = new OperationRunner({
      store,
      now: () => 0,
      list,
      act: async (_record, id) => {
        const n = Number(id.split("_").at(-1));
        if (n === 0) return "skipped";
        if (n <= 12) throw Object.assign(new Error(`no ${n}`), { code: "conflict" });
        if (n === 13) throw new Error("socket hang up at 10.0.0.1");
        return "done";
      },
    });
    runner.start({ ...START, action: "rerun" });
    await drive(runner);
    expect(store.record).toMatchObject({ status: "failed", matched: 14, done: 0, skipped: 1, failed: 13 });
    expect(store.record!.errors).toHaveLength(10);
    // Newest first: run 13's error came first.
    expect(store.record!.errors[0]).toMatchObject({ code: "internal_error", message: "The action failed unexpectedly" });
    expect(store.record!.errors[1]).toMatchObject({ code: "conflict", message: "no 12" });
    // What an unexpected error says stays inside.
    expect(JSON.stringify(store.record)).not.toContain("10.0.0.1");
  });

  it("stops acting once cancelled, and a repeated start changes nothing", async () => {
    const { list } = index(runsAt(60, "waiting"));
    const store = new MemoryStore();
    let acted = 0;
    const runner: OperationRunner = new OperationRunner({
      store,
      now: () => 0,
      list,
      act: async () => {
        if (++acted === 3) runner.cancel();
        return "done";
      },
    });
    runner.start(START);
    expect(runner.start({ ...START, action: "rerun" }).action).toBe("cancel");
    await drive(runner);
    expect(acted).toBe(3);
    expect(store.record).toMatchObject({ status: "cancelled", done: 3, matched: 60 });
    expect(await runner.step()).toBe(false);
  });

  it("succeeds with nothing matched", async () => {
    const { list } = index([]);
    const store = new MemoryStore();
    const runner = new OperationRunner({ store, now: () => 0, list, act: async () => "done" as ActResult });
    runner.start(START);
    expect(await drive(runner)).toBe(1);
    expect(store.record).toMatchObject({ status: "succeeded", matched: 0, scanning: false });
  });
});
