/** Conformance of webhook subscriptions: CRUD within the account, newest-first pages, the enabled set. */
import { describe, expect, it } from "vitest";
import type { Storage, WebhookSubscriptionRecord } from "../../../src/storage/types";
import { at, byteOrder, collect, createAccount, expectStorageError, uid } from "./conformance-kit";

function subscription(accountId: string, overrides: Partial<WebhookSubscriptionRecord> = {}): WebhookSubscriptionRecord {
  return {
    id: uid("whk"),
    account_id: accountId,
    url: "https://hooks.example.com/flowrunner?team=ops",
    events: ["execution.completed", "execution.failed"],
    flow_id: null,
    description: "Ops channel",
    secret_ciphertext: "v1.sealed.whsec",
    enabled: true,
    disabled_reason: null,
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  };
}

export function describeWebhookConformance(storageOf: () => Storage): void {
  describe("webhook subscriptions", () => {
    const account = () => createAccount(storageOf());

    it("creates, reads, updates and deletes a subscription within its account", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const created = subscription(owner.id, { events: ["*"], description: null });
      await storage.webhooks.create(created);
      expect(await storage.webhooks.get(owner.id, created.id)).toEqual(created);
      expect(await storage.webhooks.get(other.id, created.id)).toBeNull();
      expect(await storage.webhooks.get(owner.id, uid("whk"))).toBeNull();
      await expectStorageError(storage.webhooks.create({ ...created, url: "https://other.example.com" }), "conflict");
      expect((await storage.webhooks.get(owner.id, created.id))?.url).toBe(created.url);

      const patch = {
        url: "https://hooks.example.com/v2",
        events: ["execution.started"],
        flow_id: "flw_only",
        description: "Only one flow",
        secret_ciphertext: "v1.sealed.rotated",
        enabled: false,
        disabled_reason: "failing since 2030-01-01",
      };
      const updated = await storage.webhooks.update(owner.id, created.id, patch, at(5));
      expect(updated).toEqual({ ...created, ...patch, updated_at: at(5) });
      expect(await storage.webhooks.get(owner.id, created.id)).toEqual(updated);
      // A partial patch changes only what it names; null clears.
      const cleared = await storage.webhooks.update(owner.id, created.id, { flow_id: null, disabled_reason: null, enabled: true }, at(6));
      expect(cleared).toEqual({ ...updated, flow_id: null, disabled_reason: null, enabled: true, updated_at: at(6) });
      expect(await storage.webhooks.update(owner.id, created.id, {}, at(7))).toEqual({ ...cleared, updated_at: at(7) });

      expect(await storage.webhooks.update(other.id, created.id, { enabled: false }, at(8))).toBeNull();
      expect(await storage.webhooks.update(owner.id, uid("whk"), { enabled: false }, at(8))).toBeNull();
      expect((await storage.webhooks.get(owner.id, created.id))?.enabled).toBe(true);
      expect(await storage.webhooks.delete(other.id, created.id)).toBe(false);
      expect(await storage.webhooks.delete(owner.id, created.id)).toBe(true);
      expect(await storage.webhooks.delete(owner.id, created.id)).toBe(false);
      expect(await storage.webhooks.get(owner.id, created.id)).toBeNull();
    });

    it("lists an account's subscriptions newest first across pages, and no one else's", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const made: WebhookSubscriptionRecord[] = [];
      for (let i = 0; i < 5; i++) {
        // Two share a creation time: the id breaks the tie.
        const record = subscription(owner.id, { created_at: at(i === 4 ? 2 : i), enabled: i % 2 === 0 });
        made.push(record);
        await storage.webhooks.create(record);
      }
      await storage.webhooks.create(subscription(other.id));
      const { items, pages } = await collect((cursor) => storage.webhooks.list(owner.id, { limit: 2, cursor }), 2);
      expect(pages).toBe(3);
      const newestFirst = [...made].sort((a, b) => byteOrder(b.created_at, a.created_at) || byteOrder(b.id, a.id));
      expect(items).toEqual(newestFirst);
      expect((await storage.webhooks.list(owner.id, { limit: 5 })).next_cursor).toBeNull();
      expect((await storage.webhooks.list((await account()).id, { limit: 5 })).items).toEqual([]);
      await expectStorageError(storage.webhooks.list(owner.id, { limit: 2, cursor: "not a cursor" }), "invalid_cursor");
    });

    it("lists the account's enabled subscriptions, following updates", async () => {
      const storage = storageOf();
      const [owner, other] = [await account(), await account()];
      const on = [subscription(owner.id, { created_at: at(1) }), subscription(owner.id, { created_at: at(2), flow_id: "flw_x" })];
      const off = subscription(owner.id, { enabled: false, disabled_reason: "too many failures" });
      for (const record of [...on, off, subscription(other.id)]) await storage.webhooks.create(record);
      const enabledIds = async () => (await storage.webhooks.listEnabled(owner.id)).map((s) => s.id).sort(byteOrder);
      const enabled = await storage.webhooks.listEnabled(owner.id);
      expect([...enabled].sort((a, b) => byteOrder(a.id, b.id))).toEqual([...on].sort((a, b) => byteOrder(a.id, b.id)));
      await storage.webhooks.update(owner.id, off.id, { enabled: true, disabled_reason: null }, at(3));
      await storage.webhooks.update(owner.id, on[0]!.id, { enabled: false }, at(3));
      expect(await enabledIds()).toEqual([on[1]!.id, off.id].sort(byteOrder));
      await storage.webhooks.delete(owner.id, off.id);
      expect(await enabledIds()).toEqual([on[1]!.id]);
      expect(await storage.webhooks.listEnabled((await account()).id)).toEqual([]);
    });
  });
}
