/**
 * One conformance suite for every storage provider: each operation of the
 * Storage interface, with pagination across pages, filters, conditional
 * conflicts, uniqueness, tenant scoping and large values. A provider's test
 * file calls `describeStorageConformance` with a factory.
 *
 * Every test makes its own accounts and ids, so providers may share their
 * database with other test files running at the same time.
 */
import type { ExecutionStatus } from "../../../src/engine/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AccountRecord,
  ApiTokenRecord,
  AuditEventRecord,
  ExecutionFilter,
  ExecutionSummary,
  FlowRecord,
  Page,
  SecretRecord,
  Storage,
  WrappedKeyRecord,
} from "../../../src/storage/types";
import { apiToken, at, collect, createAccount, expectStorageError, flowPair, now, uid, versionOf } from "./conformance-kit";
import { describeTriggerConformance } from "./conformance-triggers";
import { describeWebhookConformance } from "./conformance-webhooks";
import { describePluginConformance } from "./conformance-plugins";
import { describeRetentionConformance } from "./conformance-retention";
import { describeMetricsConformance } from "./conformance-metrics";
import { describeTokenFlowConformance } from "./conformance-token-flow";

export interface ConformanceTarget {
  storage: Storage;
  close?: () => Promise<void>;
}

export type ConformanceFactory = () => ConformanceTarget | Promise<ConformanceTarget>;

export function describeStorageConformance(name: string, factory: ConformanceFactory | { skip: string }): void {
  if ("skip" in factory) {
    describe.skip(`${name} storage conformance (skipped: ${factory.skip})`, () => {
      it("needs its service", () => {});
    });
    return;
  }

  describe(`${name} storage conformance`, () => {
    let target: ConformanceTarget;
    let storage: Storage;
    beforeAll(async () => {
      target = await factory();
      storage = target.storage;
    });
    afterAll(async () => {
      await target?.close?.();
    });

    const account = (username?: string) => createAccount(storage, username);

    async function nextVersion(flow: FlowRecord, content: string): Promise<FlowRecord> {
      const next = { ...flow, version: flow.version + 1, content, updated_at: now() };
      await storage.flows.update(next, versionOf(next), flow.version, []);
      return next;
    }

    describe("accounts", () => {
      it("creates and reads an account by id and by username", async () => {
        const created = await account();
        expect(await storage.accounts.get(created.id)).toEqual(created);
        expect(await storage.accounts.getByUsername(created.username)).toEqual(created);
        expect(await storage.accounts.get(uid("acc"))).toBeNull();
        expect(await storage.accounts.getByUsername(uid("nobody"))).toBeNull();
      });

      it("refuses a taken username with a conflict and stores nothing", async () => {
        const first = await account();
        const second: AccountRecord = { ...first, id: uid("acc") };
        await expectStorageError(storage.accounts.create(second), "conflict");
        expect(await storage.accounts.get(second.id)).toBeNull();
        expect((await storage.accounts.getByUsername(first.username))?.id).toBe(first.id);
      });

      it("treats usernames that differ in case as different", async () => {
        const name = uid("Case");
        const upper = await account(name);
        const lower = await account(name.toLowerCase());
        expect((await storage.accounts.getByUsername(name))?.id).toBe(upper.id);
        expect((await storage.accounts.getByUsername(name.toLowerCase()))?.id).toBe(lower.id);
      });
    });

    describe("API tokens", () => {
      const token = apiToken;

      it("stores a token and finds it by hash only", async () => {
        const owner = await account();
        const record = token(owner.id, { expires_at: at(50) });
        await storage.tokens.create(record);
        expect(await storage.tokens.getByHash(record.token_hash)).toEqual({ token: record, username: owner.username });
        expect(await storage.tokens.getByHash(uid("hash"))).toBeNull();
      });

      it("refuses a second token with the same hash", async () => {
        const owner = await account();
        const record = token(owner.id);
        await storage.tokens.create(record);
        await expectStorageError(storage.tokens.create({ ...record, id: uid("tok") }), "conflict");
      });

      it("lists an account's tokens newest first across pages, and no one else's", async () => {
        const [owner, other] = [await account(), await account()];
        const created: ApiTokenRecord[] = [];
        for (let i = 0; i < 5; i++) {
          // Two share a creation time: the id breaks the tie.
          const record = token(owner.id, { created_at: at(i === 4 ? 3 : i) });
          created.push(record);
          await storage.tokens.create(record);
        }
        await storage.tokens.create(token(other.id));
        const { items, pages } = await collect((cursor) => storage.tokens.list(owner.id, { limit: 2, cursor }), 2);
        expect(pages).toBe(3);
        const byteDesc = (x: string, y: string) => (x < y ? 1 : x > y ? -1 : 0);
        const expected = [...created].sort((a, b) => byteDesc(a.created_at, b.created_at) || byteDesc(a.id, b.id));
        expect(items.map((t) => t.id)).toEqual(expected.map((t) => t.id));
        expect((await storage.tokens.list(owner.id, { limit: 5 })).next_cursor).toBeNull();
      });

      it("revokes a live token of the account once", async () => {
        const [owner, other] = [await account(), await account()];
        const record = token(owner.id);
        await storage.tokens.create(record);
        expect(await storage.tokens.revoke(other.id, record.id, now())).toBe(false);
        expect(await storage.tokens.revoke(owner.id, uid("tok"), now())).toBe(false);
        const when = at(10);
        expect(await storage.tokens.revoke(owner.id, record.id, when)).toBe(true);
        expect(await storage.tokens.revoke(owner.id, record.id, at(20))).toBe(false);
        expect((await storage.tokens.getByHash(record.token_hash))?.token.revoked_at).toBe(when);
      });

      it("records when a token was last used", async () => {
        const owner = await account();
        const record = token(owner.id);
        await storage.tokens.create(record);
        await storage.tokens.touch(record.id, at(30));
        expect((await storage.tokens.getByHash(record.token_hash))?.token.last_used_at).toBe(at(30));
        await expect(storage.tokens.touch(uid("tok"), at(31))).resolves.toBeUndefined();
      });
    });

    describe("flows", () => {
      it("creates a flow with its first version and reads both back", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id, { description: null, category: null });
        await storage.flows.create(flow, version, []);
        expect(await storage.flows.get(owner.id, flow.id)).toEqual(flow);
        expect(await storage.flows.getVersion(owner.id, flow.id, 1)).toEqual(version);
        expect(await storage.flows.getVersion(owner.id, flow.id, 2)).toBeNull();
        expect(await storage.flows.get(owner.id, uid("flw"))).toBeNull();
      });

      it("refuses a second flow with the same id", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        await expectStorageError(storage.flows.create({ ...flow, name: "Other" }, version, []), "conflict");
        expect((await storage.flows.get(owner.id, flow.id))?.name).toBe(flow.name);
      });

      it("keeps flows invisible and untouchable to other accounts", async () => {
        const [owner, other] = [await account(), await account()];
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        expect(await storage.flows.get(other.id, flow.id)).toBeNull();
        expect(await storage.flows.getVersion(other.id, flow.id, 1)).toBeNull();
        expect((await storage.flows.listVersions(other.id, flow.id, { limit: 10 })).items).toEqual([]);
        expect((await storage.flows.list(other.id, {}, { limit: 10 })).items).toEqual([]);
        expect(await storage.flows.updateMetadata(other.id, flow.id, { status: "active" }, now())).toBeNull();
        const stolen = { ...flow, account_id: other.id, version: 2, content: "stolen" };
        await expectStorageError(storage.flows.update(stolen, versionOf(stolen), 1, []), "precondition");
        expect(await storage.flows.delete(other.id, flow.id)).toBe(false);
        expect(await storage.flows.get(owner.id, flow.id)).toEqual(flow);
      });

      it("saves a new version only from the expected one", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        const v2 = await nextVersion(flow, "content: 2");
        expect(await storage.flows.get(owner.id, flow.id)).toMatchObject({ version: 2, content: "content: 2" });
        const stale = { ...flow, version: 2, content: "stale edit", updated_at: now() };
        await expectStorageError(storage.flows.update(stale, versionOf(stale), 1, []), "precondition");
        expect(await storage.flows.get(owner.id, flow.id)).toMatchObject({ version: 2, content: "content: 2" });
        expect((await storage.flows.getVersion(owner.id, flow.id, 2))?.content).toBe(v2.content);
        expect((await storage.flows.listVersions(owner.id, flow.id, { limit: 10 })).items.map((v) => v.version)).toEqual([2, 1]);
      });

      it("lets exactly one of two concurrent editors win", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        const edits = ["from A", "from B"].map((content) => {
          const next = { ...flow, version: 2, content, updated_at: now() };
          return storage.flows.update(next, versionOf(next), 1, []);
        });
        const results = await Promise.allSettled(edits);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        expect(rejected.reason).toMatchObject({ name: "StorageError", kind: "precondition" });
        const stored = (await storage.flows.get(owner.id, flow.id))!;
        expect((await storage.flows.getVersion(owner.id, flow.id, 2))?.content).toBe(stored.content);
      });

      it("rewrites only the saved fields on a new version, keeping custom metadata and creation time", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        await storage.flows.updateMetadata(owner.id, flow.id, { custom: { kept: true } }, now());
        const next = {
          ...flow,
          version: 2,
          name: "Renamed",
          description: null,
          tags: ["new"],
          category: null,
          status: "active",
          custom: {},
          created_at: at(0),
          updated_at: now(),
        };
        await storage.flows.update(next, versionOf(next), 1, []);
        expect(await storage.flows.get(owner.id, flow.id)).toEqual({ ...next, custom: { kept: true }, created_at: flow.created_at });
      });

      it("updates metadata and returns the record", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        const when = now();
        const updated = await storage.flows.updateMetadata(
          owner.id,
          flow.id,
          { tags: ["x", "y"], status: "active", category: null, custom: { a: [1] } },
          when,
        );
        expect(updated).toEqual({ ...flow, tags: ["x", "y"], status: "active", category: null, custom: { a: [1] }, updated_at: when });
        expect(await storage.flows.get(owner.id, flow.id)).toEqual(updated);
        const partial = await storage.flows.updateMetadata(owner.id, flow.id, { category: "billing" }, when);
        expect(partial).toMatchObject({ tags: ["x", "y"], status: "active", category: "billing", version: 1 });
        expect(await storage.flows.updateMetadata(owner.id, uid("flw"), { status: "active" }, when)).toBeNull();
      });

      it("stores the flow's trigger switch, changed as metadata and kept by new versions", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        expect((await storage.flows.get(owner.id, flow.id))?.enabled).toBe(true);
        const off = await storage.flows.updateMetadata(owner.id, flow.id, { enabled: false }, at(3));
        expect(off).toEqual({ ...flow, enabled: false, updated_at: at(3) });
        // A save passes the record it read; the switch is the stored one, not the caller's copy.
        await nextVersion(flow, "v2");
        expect(await storage.flows.get(owner.id, flow.id)).toMatchObject({ version: 2, enabled: false });
        expect((await storage.flows.list(owner.id, {}, { limit: 5 })).items[0]?.enabled).toBe(false);
        expect(await storage.flows.updateMetadata(owner.id, flow.id, { enabled: true }, at(4))).toMatchObject({
          enabled: true,
          version: 2,
        });
        const [stored, storedVersion] = flowPair(owner.id, { enabled: false });
        await storage.flows.create(stored, storedVersion, []);
        expect((await storage.flows.get(owner.id, stored.id))?.enabled).toBe(false);
      });

      it("deletes a flow with all its versions", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        await nextVersion(flow, "v2");
        expect(await storage.flows.delete(owner.id, flow.id)).toBe(true);
        expect(await storage.flows.get(owner.id, flow.id)).toBeNull();
        expect(await storage.flows.getVersion(owner.id, flow.id, 1)).toBeNull();
        expect((await storage.flows.listVersions(owner.id, flow.id, { limit: 10 })).items).toEqual([]);
        expect(await storage.flows.delete(owner.id, flow.id)).toBe(false);
      });

      it("pages through versions newest first", async () => {
        const owner = await account();
        const [flow, version] = flowPair(owner.id);
        await storage.flows.create(flow, version, []);
        let current = flow;
        for (let v = 2; v <= 5; v++) current = await nextVersion(current, `content ${v}`);
        const { items, pages } = await collect((cursor) => storage.flows.listVersions(owner.id, flow.id, { limit: 2, cursor }), 2);
        expect(pages).toBe(3);
        expect(items.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
        expect(items[0]).toMatchObject({ flow_id: flow.id, account_id: owner.id, content: "content 5", created_by: "tester" });
        await expectStorageError(storage.flows.listVersions(owner.id, flow.id, { limit: 2, cursor: "not-a-cursor" }), "invalid_cursor");
      });

      it("lists an account's flows newest first across pages", async () => {
        const owner = await account();
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const [flow, version] = flowPair(owner.id, { created_at: at(i), name: `Flow ${i}` });
          await storage.flows.create(flow, version, []);
          ids.push(flow.id);
        }
        const { items, pages } = await collect((cursor) => storage.flows.list(owner.id, {}, { limit: 3, cursor }), 3);
        expect(pages).toBe(3);
        expect(items.map((f) => f.id)).toEqual([...ids].reverse());
        expect(items[0]).toMatchObject({ name: "Flow 6", tags: ["sync", "orders"], custom: { owner: "ops" } });
        await expectStorageError(storage.flows.list(owner.id, {}, { limit: 3, cursor: "garbage!" }), "invalid_cursor");
      });

      it("filters flows by name, tag, status and category, also across pages", async () => {
        const owner = await account();
        const make = async (name: string, tags: string[], status: string, category: string | null, second: number) => {
          const [flow, version] = flowPair(owner.id, { name, tags, status, category, created_at: at(second) });
          await storage.flows.create(flow, version, []);
          return flow.id;
        };
        const alpha = await make("Alpha report", ["daily", "finance"], "active", "reports", 1);
        const beta = await make("beta REPORT 100%", ["weekly"], "draft", "reports", 2);
        const gamma = await make("Gamma sync", ["daily"], "active", null, 3);
        const under = await make("under_score", ["finance"], "archived", "misc", 4);
        const names = async (filter: Parameters<Storage["flows"]["list"]>[1]) =>
          (await collect((cursor) => storage.flows.list(owner.id, filter, { limit: 1, cursor }), 1)).items.map((f) => f.id);
        expect(await names({ name_contains: "report" })).toEqual([beta, alpha]);
        expect(await names({ name_contains: "100%" })).toEqual([beta]);
        expect(await names({ name_contains: "a_r" })).toEqual([]);
        expect(await names({ name_contains: "_" })).toEqual([under]);
        expect(await names({ tag: "daily" })).toEqual([gamma, alpha]);
        expect(await names({ tag: "dail" })).toEqual([]);
        expect(await names({ status: "active" })).toEqual([gamma, alpha]);
        expect(await names({ category: "reports" })).toEqual([beta, alpha]);
        expect(await names({ tag: "finance", status: "active" })).toEqual([alpha]);
        expect(await names({ name_contains: "sync", category: "reports" })).toEqual([]);
      });

      it("stores large flows (500 KB, multi-byte text) in every version", async () => {
        const owner = await account();
        const line = "  step: {type: transform, params: {script: \"return 'héllo wörld ✓ 🚀'\"}}\n";
        const big = `metadata: {name: Big}\n${line.repeat(Math.ceil(500_000 / line.length))}`;
        expect(new TextEncoder().encode(big).length).toBeGreaterThan(500_000);
        const [flow, version] = flowPair(owner.id, { content: big });
        await storage.flows.create(flow, version, []);
        expect((await storage.flows.get(owner.id, flow.id))?.content).toBe(big);
        const bigger = big.replaceAll("héllo", "hallo") + "# end 🚀\n";
        await nextVersion(flow, bigger);
        expect((await storage.flows.get(owner.id, flow.id))?.content).toBe(bigger);
        expect((await storage.flows.getVersion(owner.id, flow.id, 1))?.content).toBe(big);
        expect((await storage.flows.listVersions(owner.id, flow.id, { limit: 5 })).items.map((v) => v.content)).toEqual([bigger, big]);
        expect((await storage.flows.list(owner.id, {}, { limit: 5 })).items[0]?.content).toBe(bigger);
        await nextVersion({ ...flow, version: 2 }, "small again");
        expect((await storage.flows.get(owner.id, flow.id))?.content).toBe("small again");
        expect(await storage.flows.delete(owner.id, flow.id)).toBe(true);
        expect(await storage.flows.getVersion(owner.id, flow.id, 2)).toBeNull();
      });
    });

    describe("execution index", () => {
      function summary(accountId: string, overrides: Partial<ExecutionSummary> = {}): ExecutionSummary {
        return {
          id: uid("exe"),
          account_id: accountId,
          flow_id: "flw_a",
          flow_version: 1,
          status: "running",
          trigger: "api",
          parent_id: null,
          current_nodes: ["fetch"],
          error: null,
          output_preview: null,
          step_count: 1,
          tokens: 0,
          created_at: at(0),
          updated_at: at(0),
          finished_at: null,
          ...overrides,
        };
      }

      it("inserts, replaces and reads a summary within its account", async () => {
        const [owner, other] = [await account(), await account()];
        const first = summary(owner.id);
        await storage.executions.upsert(first);
        expect(await storage.executions.get(owner.id, first.id)).toEqual(first);
        expect(await storage.executions.get(other.id, first.id)).toBeNull();
        expect(await storage.executions.get(owner.id, uid("exe"))).toBeNull();
        const failed: ExecutionSummary = {
          ...first,
          status: "failed",
          current_nodes: [],
          error: { code: "http_error", message: "boom", node_id: "fetch" },
          output_preview: '{"partial":true}',
          step_count: 3,
          parent_id: "exe_parent",
          updated_at: at(5),
          finished_at: at(5),
        };
        await storage.executions.upsert(failed);
        expect(await storage.executions.get(owner.id, first.id)).toEqual(failed);
        // Cleared fields clear; the creation time stays the first one written.
        const rerun: ExecutionSummary = {
          ...failed,
          status: "running",
          error: null,
          output_preview: null,
          parent_id: null,
          finished_at: null,
          created_at: at(9),
          updated_at: at(6),
        };
        await storage.executions.upsert(rerun);
        expect(await storage.executions.get(owner.id, first.id)).toEqual({ ...rerun, created_at: first.created_at });
      });

      it("never lets an older summary overwrite a newer one", async () => {
        const owner = await account();
        const newer = summary(owner.id, { status: "completed", updated_at: at(10), finished_at: at(10), step_count: 4 });
        await storage.executions.upsert(newer);
        await storage.executions.upsert({ ...newer, status: "running", updated_at: at(5), finished_at: null, step_count: 2 });
        expect(await storage.executions.get(owner.id, newer.id)).toEqual(newer);
        const tie = { ...newer, output_preview: '"same time, later write"' };
        await storage.executions.upsert(tie);
        expect(await storage.executions.get(owner.id, newer.id)).toEqual(tie);
      });

      it("appends an audit event with a summary, even when a newer summary wins", async () => {
        const owner = await account();
        const started = summary(owner.id, { updated_at: at(1) });
        const audit = (id: string): AuditEventRecord => ({
          id: uid("aud"),
          account_id: owner.id,
          time: at(1),
          actor: "alice",
          action: "run.started",
          target_type: "execution",
          target_id: id,
          ip: "203.0.113.7",
          details: { flow_id: "flw_a", via: "api_token" },
        });
        const first = audit(started.id);
        await storage.executions.upsert(started, first);
        expect(await storage.executions.get(owner.id, started.id)).toEqual(started);
        const finished: ExecutionSummary = { ...started, status: "completed", updated_at: at(9), finished_at: at(9) };
        await storage.executions.upsert(finished);
        const late = audit(started.id);
        await storage.executions.upsert(started, late);
        expect(await storage.executions.get(owner.id, started.id)).toEqual(finished);
        const events = (await storage.audit.list(owner.id, { action: "run.started" }, { limit: 10 })).items;
        expect(events.map((e) => e.id).sort()).toEqual([first.id, late.id].sort());
        expect(events.find((e) => e.id === first.id)).toEqual(first);
      });

      it("lists newest first across pages, filtered by flow and status, per account", async () => {
        const [owner, other] = [await account(), await account()];
        const made: ExecutionSummary[] = [];
        const specs: [string, ExecutionStatus][] = [
          ["flw_x", "completed"],
          ["flw_y", "failed"],
          ["flw_x", "failed"],
          ["flw_x", "completed"],
          ["flw_y", "completed"],
          ["flw_x", "waiting"],
        ];
        for (const [i, [flow_id, status]] of specs.entries()) {
          const record = summary(owner.id, { flow_id, status, created_at: at(i), updated_at: at(i) });
          made.push(record);
          await storage.executions.upsert(record);
        }
        await storage.executions.upsert(summary(other.id, { flow_id: "flw_x", status: "completed" }));
        const ids = async (filter: ExecutionFilter, limit = 2) =>
          (await collect((cursor) => storage.executions.list(owner.id, filter, { limit, cursor }), limit)).items.map((e) => e.id);
        const newestFirst = (keep: (e: ExecutionSummary) => boolean) =>
          made
            .filter(keep)
            .reverse()
            .map((e) => e.id);
        expect(await ids({})).toEqual(newestFirst(() => true));
        expect(await ids({ flow_id: "flw_x" })).toEqual(newestFirst((e) => e.flow_id === "flw_x"));
        expect(await ids({ status: "completed" }, 1)).toEqual(newestFirst((e) => e.status === "completed"));
        expect(await ids({ flow_id: "flw_x", status: "failed" }, 1)).toEqual(
          newestFirst((e) => e.flow_id === "flw_x" && e.status === "failed"),
        );
        expect(await ids({ flow_id: "flw_none" })).toEqual([]);
        // A status change moves the run between status lists.
        const moved: ExecutionSummary = { ...made[5]!, status: "completed", updated_at: at(30) };
        await storage.executions.upsert(moved);
        expect(await ids({ status: "waiting" })).toEqual([]);
        expect((await ids({ status: "completed" }))[0]).toBe(moved.id);
        await expectStorageError(storage.executions.list(owner.id, {}, { limit: 2, cursor: "%%%" }), "invalid_cursor");
      });

      it("filters by what started the runs: a trigger type, one trigger, with flow and status, across pages", async () => {
        const [owner, other] = [await account(), await account()];
        const specs: [string, string, ExecutionStatus][] = [
          ["api", "flw_x", "completed"],
          ["cron:trg_a", "flw_x", "completed"],
          ["webhook:trg_b", "flw_y", "failed"],
          ["cron:trg_a", "flw_x", "failed"],
          ["rerun:exe_1", "flw_x", "completed"],
          ["flow", "flw_y", "completed"],
          ["cronx:trg_a", "flw_x", "completed"],
          ["cron:trg_ab", "flw_x", "completed"],
          ["CRON:trg_a", "flw_y", "completed"],
          ["cron:trg_a", "flw_y", "completed"],
          ["apix", "flw_x", "completed"],
        ];
        const made: ExecutionSummary[] = [];
        for (const [i, [trigger, flow_id, status]] of specs.entries()) {
          const record = summary(owner.id, { trigger, flow_id, status, created_at: at(i), updated_at: at(i) });
          made.push(record);
          await storage.executions.upsert(record);
        }
        await storage.executions.upsert(summary(other.id, { trigger: "cron:trg_a" }));
        const ids = async (filter: ExecutionFilter, limit = 1) =>
          (await collect((cursor) => storage.executions.list(owner.id, filter, { limit, cursor }), limit)).items.map((e) => e.id);
        const newestFirst = (keep: (e: ExecutionSummary) => boolean) =>
          made
            .filter(keep)
            .reverse()
            .map((e) => e.id);
        const ofType = (type: string) => (e: ExecutionSummary) => e.trigger === type || e.trigger.startsWith(`${type}:`);
        expect(await ids({ trigger_type: "cron" })).toEqual(newestFirst((e) => ["cron:trg_a", "cron:trg_ab"].includes(e.trigger)));
        expect(await ids({ trigger_type: "api" }, 3)).toEqual(newestFirst((e) => e.trigger === "api"));
        expect(await ids({ trigger_type: "flow" }, 2)).toEqual(newestFirst(ofType("flow")));
        expect(await ids({ trigger_type: "rerun" })).toEqual(newestFirst(ofType("rerun")));
        expect(await ids({ trigger_type: "email" })).toEqual([]);
        expect(await ids({ trigger_id: "trg_a" }, 2)).toEqual(
          newestFirst((e) => ["cron:trg_a", "cronx:trg_a", "CRON:trg_a"].includes(e.trigger)),
        );
        expect(await ids({ trigger_id: "exe_1" })).toEqual(newestFirst((e) => e.trigger === "rerun:exe_1"));
        expect(await ids({ trigger_id: "trg" })).toEqual([]);
        expect(await ids({ trigger_type: "cron", trigger_id: "trg_a" })).toEqual(newestFirst((e) => e.trigger === "cron:trg_a"));
        expect(await ids({ trigger_type: "cron", flow_id: "flw_x" })).toEqual(
          newestFirst((e) => ofType("cron")(e) && e.flow_id === "flw_x"),
        );
        expect(await ids({ trigger_id: "trg_a", status: "completed" })).toEqual(
          newestFirst((e) => e.trigger.endsWith(":trg_a") && e.status === "completed"),
        );
        expect(await ids({ trigger_type: "cron", trigger_id: "trg_a", flow_id: "flw_x", status: "completed" })).toEqual(
          newestFirst((e) => e.trigger === "cron:trg_a" && e.flow_id === "flw_x" && e.status === "completed"),
        );
        const firstPage = await storage.executions.list(owner.id, { trigger_type: "cron" }, { limit: 2 });
        expect(firstPage.items).toHaveLength(2);
        expect(firstPage.next_cursor).not.toBeNull();
      });

      it("never reveals another account's runs through a cursor", async () => {
        const [owner, other] = [await account(), await account()];
        for (let i = 0; i < 3; i++) await storage.executions.upsert(summary(owner.id, { created_at: at(i) }));
        for (let i = 0; i < 3; i++) await storage.executions.upsert(summary(other.id, { created_at: at(i) }));
        const page = await storage.executions.list(owner.id, {}, { limit: 1 });
        const reused = await storage.executions
          .list(other.id, {}, { limit: 5, cursor: page.next_cursor! })
          .catch((error: unknown) => error);
        if (reused instanceof Error) expect(reused).toMatchObject({ name: "StorageError", kind: "invalid_cursor" });
        else expect((reused as Page<ExecutionSummary>).items.every((e) => e.account_id === other.id)).toBe(true);
      });
    });

    describe("secrets and data keys", () => {
      function secret(accountId: string, key: string, overrides: Partial<SecretRecord> = {}): SecretRecord {
        return {
          account_id: accountId,
          key,
          type: "plain",
          description: "a secret",
          tags: ["prod"],
          ciphertext: `v1.sealed.${key}`,
          created_at: at(0),
          updated_at: at(0),
          last_used_at: null,
          ...overrides,
        };
      }

      it("stores an account's first data key once and returns the winner afterwards", async () => {
        const owner = await account();
        expect(await storage.secrets.getDataKey(owner.id)).toBeNull();
        const first: WrappedKeyRecord = { account_id: owner.id, kid: "k1", wrapped: "wrapped-1", created_at: at(1), updated_at: at(1) };
        expect(await storage.secrets.putDataKeyIfAbsent(first)).toEqual(first);
        const racing = await Promise.all([
          storage.secrets.putDataKeyIfAbsent({ ...first, wrapped: "wrapped-2" }),
          storage.secrets.putDataKeyIfAbsent({ ...first, wrapped: "wrapped-3" }),
        ]);
        expect(racing).toEqual([first, first]);
        expect(await storage.secrets.getDataKey(owner.id)).toEqual(first);
      });

      it("re-wraps a data key only while it is under the expected master key", async () => {
        const owner = await account();
        const record: WrappedKeyRecord = { account_id: owner.id, kid: "old", wrapped: "w-old", created_at: at(1), updated_at: at(1) };
        await storage.secrets.putDataKeyIfAbsent(record);
        const rewrapped = { ...record, kid: "new", wrapped: "w-new", updated_at: at(2) };
        expect(await storage.secrets.rewrapDataKey(rewrapped, "old")).toBe(true);
        expect(await storage.secrets.rewrapDataKey({ ...rewrapped, wrapped: "w-late" }, "old")).toBe(false);
        expect(await storage.secrets.getDataKey(owner.id)).toEqual(rewrapped);
        expect(await storage.secrets.rewrapDataKey({ ...rewrapped, account_id: uid("acc") }, "new")).toBe(false);
      });

      it("finds data keys not wrapped by a key id, in account order, page by page", async () => {
        const kid = uid("kid");
        const owners = [await account(), await account(), await account()];
        for (const owner of owners) {
          await storage.secrets.putDataKeyIfAbsent({
            account_id: owner.id,
            kid: `${kid}-old`,
            wrapped: "w",
            created_at: now(),
            updated_at: now(),
          });
        }
        const sweep = async () => {
          const seen: WrappedKeyRecord[] = [];
          let after = "";
          for (;;) {
            const batch = await storage.secrets.dataKeysNotWrappedBy(kid, 2, after);
            expect(batch.length).toBeLessThanOrEqual(2);
            seen.push(...batch);
            if (batch.length < 2) return seen;
            after = batch.at(-1)!.account_id;
          }
        };
        const before = await sweep();
        const ids = before.map((k) => k.account_id);
        expect(ids).toEqual([...ids].sort());
        expect(new Set(ids).size).toBe(ids.length);
        for (const owner of owners) expect(ids).toContain(owner.id);
        expect(before.every((k) => k.kid !== kid)).toBe(true);
        for (const owner of owners) {
          await storage.secrets.rewrapDataKey(
            { account_id: owner.id, kid, wrapped: "w2", created_at: now(), updated_at: now() },
            `${kid}-old`,
          );
        }
        const after = (await sweep()).map((k) => k.account_id);
        for (const owner of owners) expect(after).not.toContain(owner.id);
      });

      it("creates, replaces, reads and deletes secrets", async () => {
        const [owner, other] = [await account(), await account()];
        const created = secret(owner.id, "API_KEY", { description: null });
        expect(await storage.secrets.put(created)).toBe("created");
        expect(await storage.secrets.get(owner.id, "API_KEY")).toEqual(created);
        await storage.secrets.touch(owner.id, ["API_KEY"], at(3));
        const replaced = secret(owner.id, "API_KEY", {
          type: "token",
          ciphertext: "v1.sealed.other",
          tags: [],
          created_at: at(5),
          updated_at: at(5),
        });
        expect(await storage.secrets.put(replaced)).toBe("updated");
        // A replace keeps the creation time and the last use.
        expect(await storage.secrets.get(owner.id, "API_KEY")).toEqual({ ...replaced, created_at: at(0), last_used_at: at(3) });
        expect(await storage.secrets.get(other.id, "API_KEY")).toBeNull();
        expect(await storage.secrets.delete(other.id, "API_KEY")).toBe(false);
        expect(await storage.secrets.delete(owner.id, "API_KEY")).toBe(true);
        expect(await storage.secrets.delete(owner.id, "API_KEY")).toBe(false);
        expect(await storage.secrets.get(owner.id, "API_KEY")).toBeNull();
      });

      it("reads several secrets at once, within the account", async () => {
        const [owner, other] = [await account(), await account()];
        for (const key of ["A", "B", "C"]) await storage.secrets.put(secret(owner.id, key));
        await storage.secrets.put(secret(other.id, "D"));
        const keysOf = (records: SecretRecord[]) => records.map((r) => r.key).sort();
        expect(keysOf(await storage.secrets.getMany(owner.id, ["A", "C", "MISSING"]))).toEqual(["A", "C"]);
        expect(keysOf(await storage.secrets.getMany(owner.id, "all"))).toEqual(["A", "B", "C"]);
        expect(await storage.secrets.getMany(owner.id, [])).toEqual([]);
        expect(await storage.secrets.getMany(owner.id, ["D"])).toEqual([]);
        await storage.secrets.touch(owner.id, ["A", "B", "NOPE"], at(7));
        const touched = await storage.secrets.getMany(owner.id, ["A", "B", "C"]);
        expect(Object.fromEntries(touched.map((r) => [r.key, r.last_used_at]))).toEqual({ A: at(7), B: at(7), C: null });
        expect(await storage.secrets.get(owner.id, "NOPE")).toBeNull();
      });

      it("lists secrets by key in byte order across pages, with filters", async () => {
        const owner = await account();
        const keys = ["b_key", "A_KEY", "B_KEY", "_X", "a", "Z9"];
        for (const [i, key] of keys.entries()) {
          await storage.secrets.put(
            secret(owner.id, key, { type: i % 2 === 0 ? "plain" : "token", tags: i < 3 ? ["prod", "db"] : ["dev"] }),
          );
        }
        const list = async (filter: { type?: string; tag?: string }, limit: number) =>
          (await collect((cursor) => storage.secrets.list(owner.id, filter, { limit, cursor }), limit)).items.map((s) => s.key);
        const sorted = [...keys].sort();
        expect(sorted).toEqual(["A_KEY", "B_KEY", "Z9", "_X", "a", "b_key"]);
        expect(await list({}, 4)).toEqual(sorted);
        expect(await list({ type: "token" }, 1)).toEqual(sorted.filter((k) => keys.indexOf(k) % 2 === 1));
        expect(await list({ tag: "db" }, 2)).toEqual(sorted.filter((k) => keys.indexOf(k) < 3));
        expect(await list({ tag: "d" }, 2)).toEqual([]);
        expect((await storage.secrets.list((await account()).id, {}, { limit: 10 })).items).toEqual([]);
        await expectStorageError(storage.secrets.list(owner.id, {}, { limit: 2, cursor: "bm90IGpzb24" }), "invalid_cursor");
      });
    });

    describe("audit log", () => {
      function event(
        accountId: string | null,
        second: number,
        action: string,
        overrides: Partial<AuditEventRecord> = {},
      ): AuditEventRecord {
        return {
          id: uid("aud"),
          account_id: accountId,
          time: at(second),
          actor: "alice",
          action,
          target_type: "flow",
          target_id: "flw_1",
          ip: "203.0.113.9",
          details: { version: 2, names: ["A", "B"], ok: true, note: null },
          ...overrides,
        };
      }

      it("lists an account's events newest first across pages, filtered by action and time", async () => {
        const [owner, other] = [await account(), await account()];
        const made: AuditEventRecord[] = [];
        const actions = ["login", "flow.create", "login", "flow.update", "login", "secret.put", "login"];
        for (const [i, action] of actions.entries()) {
          const record = event(
            owner.id,
            i,
            action,
            i === 0 ? { actor: null, target_type: null, target_id: null, ip: null, details: {} } : {},
          );
          made.push(record);
          await storage.audit.append(record);
        }
        await storage.audit.append(event(other.id, 3, "login"));
        await storage.audit.append(event(null, 3, "login.failed", { actor: "nobody" }));
        const ids = async (filter: { action?: string; since?: string; until?: string }, limit = 2) =>
          (await collect((cursor) => storage.audit.list(owner.id, filter, { limit, cursor }), limit)).items.map((e) => e.id);
        const newestFirst = (keep: (e: AuditEventRecord, i: number) => boolean) =>
          made
            .filter(keep)
            .reverse()
            .map((e) => e.id);
        const all = await collect((cursor) => storage.audit.list(owner.id, {}, { limit: 3, cursor }), 3);
        expect(all.items.map((e) => e.id)).toEqual(newestFirst(() => true));
        expect(all.items.at(-1)).toEqual(made[0]);
        expect(all.items[0]).toEqual(made[6]);
        expect(await ids({ action: "login" })).toEqual(newestFirst((e) => e.action === "login"));
        expect(await ids({ since: at(2), until: at(5) })).toEqual(newestFirst((_, i) => i >= 2 && i < 5));
        expect(await ids({ since: at(5) })).toEqual(newestFirst((_, i) => i >= 5));
        expect(await ids({ until: at(1) })).toEqual(newestFirst((_, i) => i < 1));
        expect(await ids({ action: "login", since: at(1), until: at(6) }, 1)).toEqual(
          newestFirst((e, i) => e.action === "login" && i >= 1 && i < 6),
        );
        expect(await ids({ since: at(5), until: at(5) })).toEqual([]);
        await expectStorageError(storage.audit.list(owner.id, {}, { limit: 2, cursor: "!" }), "invalid_cursor");
      });
    });

    describeTriggerConformance(() => storage);
    describeWebhookConformance(() => storage);
    describePluginConformance(() => storage);
    describeRetentionConformance(() => storage);
    describeMetricsConformance(() => storage);
    describeTokenFlowConformance(() => storage);
  });
}
