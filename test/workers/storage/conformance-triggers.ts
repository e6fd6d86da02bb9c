/**
 * Conformance of triggers: written by FlowStore with each version (atomically, only when the
 * version precondition holds), node schedules through TriggerStore, reads by public id, per
 * account and per kind across accounts.
 */
import { describe, expect, it } from "vitest";
import type { FlowRecord, Storage, TriggerKind, TriggerRecord } from "../../../src/storage/types";
import { at, byteOrder, collect, createAccount, expectStorageError, flowPair, now, uid, versionOf } from "./conformance-kit";

function trigger(flow: FlowRecord, key: string, overrides: Partial<TriggerRecord> = {}): TriggerRecord {
  const kind = overrides.kind ?? "cron";
  return {
    id: uid("trg"),
    account_id: flow.account_id,
    flow_id: flow.id,
    key,
    kind,
    source: "flow",
    flow_version: flow.version,
    config:
      kind === "cron"
        ? {
            type: "cron",
            id: key,
            cron: "*/5 * * * *",
            timezone: "Europe/Paris",
            input: { n: 1, list: [true, null, "x"] },
            catchup: "none",
          }
        : { type: kind, id: key, verify: { scheme: "none" }, response: "accepted" },
    paused: false,
    created_at: at(1),
    updated_at: at(1),
    ...overrides,
  };
}

const nodeTrigger = (flow: FlowRecord, key: string, overrides: Partial<TriggerRecord> = {}) =>
  trigger(flow, key, { source: "node", ...overrides });

const ids = (records: readonly TriggerRecord[]) => records.map((t) => t.id);
const sortedIds = (records: readonly TriggerRecord[]) => ids(records).sort(byteOrder);

export function describeTriggerConformance(storageOf: () => Storage): void {
  describe("triggers", () => {
    const account = () => createAccount(storageOf());

    /** A stored flow at version 1 with the given declared triggers (built from the flow). */
    async function flowWith(
      accountId: string,
      declare: (flow: FlowRecord) => TriggerRecord[] = () => [],
    ): Promise<{ flow: FlowRecord; declared: TriggerRecord[] }> {
      const [flow, version] = flowPair(accountId);
      const declared = declare(flow);
      await storageOf().flows.create(flow, version, declared);
      return { flow, declared };
    }

    /** The next version of `flow`, saved with `declared` (each given the new version number). */
    async function save(flow: FlowRecord, declared: (next: FlowRecord) => TriggerRecord[], expected = flow.version): Promise<FlowRecord> {
      const next: FlowRecord = { ...flow, version: expected + 1, content: `content ${expected + 1}`, updated_at: now() };
      await storageOf().flows.update(next, versionOf(next), expected, declared(next));
      return next;
    }

    it("stores a flow's declared triggers with it and finds each by its public id alone", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const { flow, declared } = await flowWith(owner.id, (f) => [trigger(f, "nightly"), trigger(f, "hook", { kind: "webhook" })]);
      for (const record of declared) expect(await storage.triggers.get(record.id)).toEqual(record);
      expect(await storage.triggers.get(uid("trg"))).toBeNull();
      const listed = await storage.triggers.list(owner.id, { flow_id: flow.id }, { limit: 10 });
      expect(listed).toEqual({ items: [...declared].sort((a, b) => byteOrder(a.id, b.id)), next_cursor: null });
      expect((await storage.triggers.list(other.id, {}, { limit: 10 })).items).toEqual([]);
      expect(await storage.triggers.list(other.id, { flow_id: flow.id }, { limit: 10 })).toEqual({ items: [], next_cursor: null });
    });

    it("replaces the declared triggers with each version: kept ids keep paused and creation time, others go, node schedules stay", async () => {
      const storage = storageOf();
      const owner = await account();
      const { flow, declared } = await flowWith(owner.id, (f) => [trigger(f, "a"), trigger(f, "b", { kind: "webhook" })]);
      const [a, b] = declared as [TriggerRecord, TriggerRecord];
      const schedule = nodeTrigger(flow, "tick", { created_at: at(2), updated_at: at(2) });
      await storage.triggers.putNodeTrigger(schedule);
      expect(await storage.triggers.setPaused(owner.id, a.id, true, at(5))).toEqual({ ...a, paused: true, updated_at: at(5) });

      let keptA: TriggerRecord | undefined;
      let c: TriggerRecord | undefined;
      const v2 = await save(flow, (next) => {
        // The caller's copy says not paused and a new creation time; the stored ones win.
        keptA = { ...trigger(next, "a-renamed", { kind: "webhook" }), id: a.id, created_at: at(9), updated_at: at(9) };
        c = trigger(next, "c", { created_at: at(9), updated_at: at(9) });
        return [keptA, c];
      });
      expect(await storage.triggers.get(a.id)).toEqual({ ...keptA!, paused: true, created_at: a.created_at, flow_version: 2 });
      expect(await storage.triggers.get(b.id)).toBeNull();
      expect(await storage.triggers.get(c!.id)).toEqual(c);
      expect(await storage.triggers.get(schedule.id)).toEqual(schedule);
      const all = (await storage.triggers.list(owner.id, { flow_id: flow.id }, { limit: 10 })).items;
      expect(ids(all)).toEqual(sortedIds([keptA!, c!, schedule]));
      // The kind moved: the per-kind listing follows.
      expect(ids((await storage.triggers.list(owner.id, { kind: "webhook" }, { limit: 10 })).items)).toEqual([a.id]);

      await save(v2, () => []);
      expect(ids((await storage.triggers.list(owner.id, { flow_id: flow.id }, { limit: 10 })).items)).toEqual([schedule.id]);
    });

    it("writes no trigger when the version precondition fails", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const { flow, declared } = await flowWith(owner.id, (f) => [trigger(f, "a")]);
      const v2 = await save(flow, (next) => [{ ...declared[0]!, flow_version: next.version, updated_at: at(7) }]);
      const stored = await storage.triggers.get(declared[0]!.id);
      expect(stored).toMatchObject({ flow_version: 2, updated_at: at(7) });

      let stale: TriggerRecord | undefined;
      await expectStorageError(
        save(flow, (next) => [(stale = trigger(next, "stale"))], 1),
        "precondition",
      );
      expect(await storage.triggers.get(stale!.id)).toBeNull();
      expect(await storage.triggers.get(declared[0]!.id)).toEqual(stored);
      expect(await storage.flows.get(owner.id, flow.id)).toMatchObject({ version: 2, content: v2.content });

      // Another account naming the flow gets the same answer and writes nothing either.
      const stolen: FlowRecord = { ...v2, account_id: other.id, version: 3, content: "stolen" };
      const theirs = trigger(stolen, "theirs");
      await expectStorageError(storage.flows.update(stolen, versionOf(stolen), 2, [theirs]), "precondition");
      expect(await storage.triggers.get(theirs.id)).toBeNull();
      expect(await storage.triggers.get(declared[0]!.id)).toEqual(stored);
    });

    it("refuses a trigger id that is another flow's or a node schedule's, and writes nothing", async () => {
      const storage = storageOf();
      const owner = await account();
      const first = await flowWith(owner.id, (f) => [trigger(f, "a")]);
      const taken = first.declared[0]!;
      const [second, secondVersion] = flowPair(owner.id);
      await expectStorageError(storage.flows.create(second, secondVersion, [{ ...trigger(second, "a"), id: taken.id }]), "conflict");
      expect(await storage.flows.get(owner.id, second.id)).toBeNull();
      expect(await storage.triggers.get(taken.id)).toEqual(taken);

      const schedule = nodeTrigger(first.flow, "tick");
      await storage.triggers.putNodeTrigger(schedule);
      const other = await flowWith(owner.id);
      for (const id of [taken.id, schedule.id]) {
        const fresh = trigger(other.flow, "fresh");
        await expectStorageError(
          save(other.flow, (next) => [fresh, { ...trigger(next, "x"), id }]),
          "conflict",
        );
        expect(await storage.triggers.get(fresh.id)).toBeNull();
      }
      // The flow's own schedule cannot become one of its declared triggers either.
      await expectStorageError(
        save(first.flow, (next) => [{ ...trigger(next, "tick"), id: schedule.id }]),
        "conflict",
      );
      expect(await storage.flows.get(owner.id, other.flow.id)).toMatchObject({ version: 1 });
      expect(await storage.flows.get(owner.id, first.flow.id)).toMatchObject({ version: 1 });
      expect(await storage.triggers.get(schedule.id)).toEqual(schedule);
      expect(await storage.triggers.get(taken.id)).toEqual(taken);
    });

    it("puts, replaces and deletes node schedules, never over a declared trigger or another account's flow", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const { flow, declared } = await flowWith(owner.id, (f) => [trigger(f, "a")]);
      const schedule = nodeTrigger(flow, "tick", { created_at: at(2), updated_at: at(2) });
      await storage.triggers.putNodeTrigger(schedule);
      expect(await storage.triggers.get(schedule.id)).toEqual(schedule);
      await storage.triggers.setPaused(owner.id, schedule.id, true, at(3));
      const replaced = { ...schedule, config: { type: "cron", cron: "0 * * * *" }, flow_version: 4, created_at: at(8), updated_at: at(8) };
      await storage.triggers.putNodeTrigger(replaced);
      expect(await storage.triggers.get(schedule.id)).toEqual({ ...replaced, paused: true, created_at: schedule.created_at });

      await expectStorageError(storage.triggers.putNodeTrigger({ ...declared[0]!, source: "node", key: "hijack" }), "conflict");
      await expectStorageError(storage.triggers.putNodeTrigger({ ...declared[0]!, key: "still a flow trigger" }), "conflict");
      expect(await storage.triggers.get(declared[0]!.id)).toEqual(declared[0]);
      const foreign = nodeTrigger({ ...flow, account_id: other.id }, "foreign");
      await expectStorageError(storage.triggers.putNodeTrigger(foreign), "conflict");
      const orphan = nodeTrigger({ ...flow, id: uid("flw") }, "orphan");
      await expectStorageError(storage.triggers.putNodeTrigger(orphan), "conflict");
      const elsewhere = await flowWith(owner.id);
      await expectStorageError(storage.triggers.putNodeTrigger({ ...schedule, flow_id: elsewhere.flow.id }), "conflict");
      for (const refused of [foreign, orphan]) expect(await storage.triggers.get(refused.id)).toBeNull();
      expect((await storage.triggers.get(schedule.id))?.flow_id).toBe(flow.id);

      expect(await storage.triggers.deleteNodeTrigger(other.id, schedule.id)).toBe(false);
      expect(await storage.triggers.deleteNodeTrigger(owner.id, declared[0]!.id)).toBe(false);
      expect(await storage.triggers.get(declared[0]!.id)).toEqual(declared[0]);
      expect(await storage.triggers.deleteNodeTrigger(owner.id, schedule.id)).toBe(true);
      expect(await storage.triggers.deleteNodeTrigger(owner.id, schedule.id)).toBe(false);
      expect(await storage.triggers.get(schedule.id)).toBeNull();
      // Deleted, it can be made again.
      await storage.triggers.putNodeTrigger(schedule);
      expect(await storage.triggers.get(schedule.id)).toEqual(schedule);
    });

    it("deletes every trigger of a flow with it, declared and node-made, and none of another account's", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const { flow, declared } = await flowWith(owner.id, (f) => [trigger(f, "a"), trigger(f, "b", { kind: "webhook" })]);
      const schedules = [nodeTrigger(flow, "t1"), nodeTrigger(flow, "t2")];
      for (const schedule of schedules) await storage.triggers.putNodeTrigger(schedule);
      const kept = await flowWith(owner.id, (f) => [trigger(f, "a")]);
      expect(await storage.flows.delete(other.id, flow.id)).toBe(false);
      for (const record of [...declared, ...schedules]) expect(await storage.triggers.get(record.id)).toEqual(record);
      expect(await storage.flows.delete(owner.id, flow.id)).toBe(true);
      for (const record of [...declared, ...schedules]) expect(await storage.triggers.get(record.id)).toBeNull();
      expect((await storage.triggers.list(owner.id, { flow_id: flow.id }, { limit: 10 })).items).toEqual([]);
      expect(await storage.triggers.get(kept.declared[0]!.id)).toEqual(kept.declared[0]);
    });

    it("leaves no schedule behind that was made while its flow was being deleted", async () => {
      const storage = storageOf();
      const owner = await account();
      for (let round = 0; round < 3; round++) {
        const { flow, declared } = await flowWith(owner.id, (f) => [trigger(f, "a")]);
        const schedules = [nodeTrigger(flow, "t1"), nodeTrigger(flow, "t2"), nodeTrigger(flow, "t3")];
        const [deleted, ...puts] = await Promise.allSettled([
          storage.flows.delete(owner.id, flow.id),
          ...schedules.map((schedule) => storage.triggers.putNodeTrigger(schedule)),
        ]);
        expect(deleted).toEqual({ status: "fulfilled", value: true });
        for (const put of puts) if (put.status === "rejected") expect(put.reason).toMatchObject({ name: "StorageError", kind: "conflict" });
        for (const record of [...declared, ...schedules]) expect(await storage.triggers.get(record.id)).toBeNull();
      }
    });

    it("pauses only the account's own triggers", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const { declared } = await flowWith(owner.id, (f) => [trigger(f, "a")]);
      const record = declared[0]!;
      expect(await storage.triggers.setPaused(other.id, record.id, true, at(4))).toBeNull();
      expect(await storage.triggers.setPaused(owner.id, uid("trg"), true, at(4))).toBeNull();
      expect(await storage.triggers.get(record.id)).toEqual(record);
      expect(await storage.triggers.setPaused(owner.id, record.id, true, at(4))).toEqual({ ...record, paused: true, updated_at: at(4) });
      expect(await storage.triggers.setPaused(owner.id, record.id, false, at(5))).toEqual({ ...record, paused: false, updated_at: at(5) });
    });

    it("lists an account's triggers by id across pages, filtered by kind, flow, source and key", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const one = await flowWith(owner.id, (f) => [
        trigger(f, "a"),
        trigger(f, "b", { kind: "webhook" }),
        trigger(f, "c", { kind: "flow" }),
      ]);
      const two = await flowWith(owner.id, (f) => [trigger(f, "a"), trigger(f, "hook", { kind: "webhook" })]);
      const schedule = nodeTrigger(one.flow, "b");
      await storage.triggers.putNodeTrigger(schedule);
      await flowWith(other.id, (f) => [trigger(f, "a")]);
      const mine = [...one.declared, ...two.declared, schedule];
      const list = async (filter: Parameters<Storage["triggers"]["list"]>[1], limit = 2) =>
        (await collect((cursor) => storage.triggers.list(owner.id, filter, { limit, cursor }), limit)).items;
      const expected = (keep: (t: TriggerRecord) => boolean) => sortedIds(mine.filter(keep));

      const all = await list({});
      expect(ids(all)).toEqual(sortedIds(mine));
      expect(all.find((t) => t.id === schedule.id)).toEqual(schedule);
      expect(ids(await list({ kind: "cron" }, 1))).toEqual(expected((t) => t.kind === "cron"));
      expect(ids(await list({ flow_id: one.flow.id }))).toEqual(expected((t) => t.flow_id === one.flow.id));
      expect(ids(await list({ source: "node" }))).toEqual([schedule.id]);
      expect(ids(await list({ source: "flow", key: "b" }))).toEqual(expected((t) => t.source === "flow" && t.key === "b"));
      expect(ids(await list({ key: "a" }, 1))).toEqual(expected((t) => t.key === "a"));
      expect(ids(await list({ flow_id: two.flow.id, kind: "webhook" }))).toEqual(ids(two.declared.filter((t) => t.kind === "webhook")));
      expect(await list({ flow_id: two.flow.id, kind: "flow" })).toEqual([]);
      expect(await list({ kind: "email" })).toEqual([]);
      await expectStorageError(storage.triggers.list(owner.id, {}, { limit: 2, cursor: "garbage!" }), "invalid_cursor");
    });

    it("lists every trigger of a kind across accounts, by id, page by page", async () => {
      const storage = storageOf();
      // Other tests may store triggers of this kind at the same time: these must all be there, in order.
      const kind: TriggerKind = "email";
      const [one, two] = [await account(), await account()];
      const a = await flowWith(one.id, (f) => [trigger(f, "in", { kind }), trigger(f, "tick")]);
      const b = await flowWith(two.id, (f) => [trigger(f, "in", { kind }), trigger(f, "other-in", { kind })]);
      const schedule = nodeTrigger(b.flow, "node-in", { kind });
      await storage.triggers.putNodeTrigger(schedule);
      const { items, pages } = await collect((cursor) => storage.triggers.listAll(kind, { limit: 2, cursor }), 2);
      expect(pages).toBeGreaterThanOrEqual(2);
      const listed = ids(items);
      expect(listed).toEqual([...listed].sort(byteOrder));
      expect(new Set(listed).size).toBe(listed.length);
      expect(items.every((t) => t.kind === kind)).toBe(true);
      const wanted = [...a.declared, ...b.declared, schedule].filter((t) => t.kind === kind);
      for (const record of wanted) expect(items.find((t) => t.id === record.id)).toEqual(record);
      expect(listed).not.toContain(a.declared[1]!.id);
      await storage.flows.delete(two.id, b.flow.id);
      const after = ids((await collect((cursor) => storage.triggers.listAll(kind, { limit: 5, cursor }), 5)).items);
      expect(after).toContain(a.declared[0]!.id);
      for (const record of [...b.declared, schedule]) expect(after).not.toContain(record.id);
      await expectStorageError(storage.triggers.listAll(kind, { limit: 2, cursor: "%%%" }), "invalid_cursor");
    });
  });
}
