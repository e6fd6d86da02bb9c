/** Conformance of retention: a run's summary deleted with its audit rows, audit pruning, an account's retention setting. */
import { describe, expect, it } from "vitest";
import type { AuditEventRecord, Storage } from "../../../src/storage/types";
import { at, collect, createAccount, executionSummary, uid } from "./conformance-kit";

/** Times long before anything else the suites write, so pruning up to them touches only these rows. */
const past = (day: number, second = 0) => new Date(Date.UTC(2001, 0, day, 0, 0, second)).toISOString();

const summary = (accountId: string) => executionSummary(accountId, { flow_id: "flw_kept", output_preview: "{}" });

function event(accountId: string | null, time: string, target: { type: string; id: string } | null = null): AuditEventRecord {
  return {
    id: uid("aud"),
    account_id: accountId,
    time,
    actor: "alice",
    action: accountId === null ? "login.failed" : "run.started",
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    ip: null,
    details: {},
  };
}

export function describeRetentionConformance(storageOf: () => Storage): void {
  describe("retention", () => {
    const account = () => createAccount(storageOf());
    const auditIds = async (accountId: string) =>
      (await collect((cursor) => storageOf().audit.list(accountId, {}, { limit: 50, cursor }), 50)).items.map((e) => e.id);

    it("deletes a run's summary together with the audit rows that target it, within its account only", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const [gone, kept] = [summary(owner.id), summary(owner.id)];
      const goneStarted = event(owner.id, at(0), { type: "execution", id: gone.id });
      const keptStarted = event(owner.id, at(0), { type: "execution", id: kept.id });
      const unrelated = event(owner.id, at(2), { type: "flow", id: gone.id });
      await storage.executions.upsert(gone, goneStarted);
      await storage.executions.upsert(kept, keptStarted);
      await storage.audit.append(unrelated);

      expect(await storage.executions.delete(other.id, gone.id)).toBe(false);
      expect(await storage.executions.get(owner.id, gone.id)).toEqual(gone);
      expect(await storage.executions.delete(owner.id, gone.id)).toBe(true);
      expect(await storage.executions.get(owner.id, gone.id)).toBeNull();
      const listed = await storage.executions.list(owner.id, {}, { limit: 10 });
      expect(listed.items.map((s) => s.id)).toEqual([kept.id]);
      expect((await auditIds(owner.id)).sort()).toEqual([keptStarted.id, unrelated.id].sort());
      expect(await storage.executions.delete(owner.id, gone.id)).toBe(false);
      expect(await storage.executions.get(owner.id, kept.id)).toEqual(kept);
    });

    it("prunes the oldest audit rows of a scope before a time, a bounded batch at a time", async () => {
      const storage = storageOf();
      const owner = await account();
      const anonymousOld = [event(null, past(1, 1)), event(null, past(1, 2)), event(null, past(2, 3))];
      const anonymousNew = event(null, past(5));
      const ownedOld = [event(owner.id, past(1, 4)), event(owner.id, past(2, 5))];
      const ownedNew = event(owner.id, past(5, 6));
      for (const e of [...anonymousOld, anonymousNew, ...ownedOld, ownedNew]) await storage.audit.append(e);
      const before = past(3);

      expect(await storage.audit.prune("anonymous", before, 2)).toBe(2);
      expect(await storage.audit.prune("anonymous", before, 2)).toBe(1);
      expect(await storage.audit.prune("anonymous", before, 2)).toBe(0);
      expect((await auditIds(owner.id)).sort()).toEqual([...ownedOld, ownedNew].map((e) => e.id).sort());

      // A provider may need several calls to come across the rows (DynamoDB scans a page per call),
      // but no call deletes more than its limit.
      let pruned = 0;
      for (let call = 0; call < 100 && pruned < ownedOld.length; call++) {
        const n = await storage.audit.prune("accounts", before, 1);
        expect(n).toBeLessThanOrEqual(1);
        pruned += n;
      }
      expect(pruned).toBe(ownedOld.length);
      expect(await auditIds(owner.id)).toEqual([ownedNew.id]);
      // The newer anonymous row goes once the cut-off passes it.
      expect(await storage.audit.prune("anonymous", past(6), 10)).toBe(1);
    });

    it("keeps an account's retention setting", async () => {
      const storage = storageOf();
      const owner = await account();
      expect(await storage.accounts.getSettings(owner.id)).toEqual({ retention_days: null });
      expect(await storage.accounts.updateSettings(owner.id, { retention_days: 5 }, at(3))).toEqual({ retention_days: 5 });
      expect(await storage.accounts.getSettings(owner.id)).toEqual({ retention_days: 5 });
      expect(await storage.accounts.updateSettings(owner.id, {}, at(4))).toEqual({ retention_days: 5 });
      expect(await storage.accounts.updateSettings(owner.id, { retention_days: 0 }, at(5))).toEqual({ retention_days: 0 });
      expect(await storage.accounts.updateSettings(owner.id, { retention_days: null }, at(6))).toEqual({ retention_days: null });
      expect((await storage.accounts.get(owner.id))?.updated_at).toBe(at(6));
      expect(await storage.accounts.getSettings(uid("acc"))).toBeNull();
      expect(await storage.accounts.updateSettings(uid("acc"), { retention_days: 1 }, at(7))).toBeNull();
    });
  });
}
