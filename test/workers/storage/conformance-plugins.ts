/** Conformance of plugins: versions under one name per account, the head as the newest, atomic deletes. */
import { describe, expect, it } from "vitest";
import type { PluginVersionRecord, Storage } from "../../../src/storage/types";
import { at, collect, createAccount, expectStorageError } from "./conformance-kit";

function pluginVersion(
  accountId: string,
  name: string,
  version: number,
  overrides: Partial<PluginVersionRecord> = {},
): PluginVersionRecord {
  return {
    account_id: accountId,
    name,
    version,
    kind: "js",
    manifest: {
      name,
      version: `1.${version}.0`,
      description: "Tickets",
      nodes: {
        create_ticket: {
          description: "Opens one",
          params: { type: "object", properties: { title: { type: "string" } } },
          actions: ["duplicate"],
          side_effects: true,
        },
      },
    },
    source: `export async function create_ticket(call) { return { output: ${version} }; }`,
    url: null,
    secret_ciphertext: null,
    created_at: at(0),
    updated_at: at(version),
    created_by: "ops",
    ...overrides,
  };
}

export function describePluginConformance(storageOf: () => Storage): void {
  describe("plugins", () => {
    it("keeps every version, answers the newest as the plugin, and scopes by account", async () => {
      const storage = storageOf();
      const [owner, other] = [await createAccount(storage), await createAccount(storage)];
      const first = pluginVersion(owner.id, "acme", 1);
      await storage.plugins.create(first);
      expect(await storage.plugins.get(owner.id, "acme")).toEqual(first);
      expect(await storage.plugins.get(other.id, "acme")).toBeNull();
      await expectStorageError(storage.plugins.create(pluginVersion(owner.id, "acme", 1, { kind: "http" })), "conflict");

      const second = pluginVersion(owner.id, "acme", 2, {
        kind: "http",
        source: null,
        url: "https://plugins.example.com/acme",
        secret_ciphertext: "v1.sealed",
      });
      await storage.plugins.addVersion(second);
      expect(await storage.plugins.get(owner.id, "acme")).toEqual(second);
      expect(await storage.plugins.getVersion(owner.id, "acme", 1)).toEqual(first);
      expect(await storage.plugins.getVersion(owner.id, "acme", 2)).toEqual(second);
      expect(await storage.plugins.getVersion(other.id, "acme", 1)).toBeNull();
      // A stale update (another one won) and an update of another account's plugin change nothing.
      await expectStorageError(storage.plugins.addVersion(pluginVersion(owner.id, "acme", 2)), "precondition");
      await expectStorageError(storage.plugins.addVersion(pluginVersion(other.id, "acme", 2)), "precondition");
      await expectStorageError(storage.plugins.addVersion(pluginVersion(owner.id, "missing", 2)), "precondition");
      expect(await storage.plugins.get(owner.id, "acme")).toEqual(second);
      expect(await storage.plugins.get(other.id, "missing")).toBeNull();
    });

    it("lists the newest version of each plugin by name, and versions newest first in pages", async () => {
      const storage = storageOf();
      const owner = await createAccount(storage);
      const other = await createAccount(storage);
      for (const name of ["zeta", "alpha", "mid"]) await storage.plugins.create(pluginVersion(owner.id, name, 1));
      for (let v = 2; v <= 5; v++) await storage.plugins.addVersion(pluginVersion(owner.id, "mid", v));
      await storage.plugins.create(pluginVersion(other.id, "beta", 1));
      const listed = await storage.plugins.list(owner.id);
      expect(listed.map((p) => [p.name, p.version])).toEqual([
        ["alpha", 1],
        ["mid", 5],
        ["zeta", 1],
      ]);
      const { items, pages } = await collect((cursor) => storage.plugins.listVersions(owner.id, "mid", { limit: 2, cursor }), 2);
      expect(items.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
      expect(pages).toBe(3);
      expect((await storage.plugins.listVersions(other.id, "mid", { limit: 5 })).items).toEqual([]);
    });

    it("deletes a plugin with every version, only in its account", async () => {
      const storage = storageOf();
      const [owner, other] = [await createAccount(storage), await createAccount(storage)];
      await storage.plugins.create(pluginVersion(owner.id, "gone", 1));
      await storage.plugins.addVersion(pluginVersion(owner.id, "gone", 2));
      expect(await storage.plugins.delete(other.id, "gone")).toBe(false);
      expect(await storage.plugins.delete(owner.id, "gone")).toBe(true);
      expect(await storage.plugins.delete(owner.id, "gone")).toBe(false);
      expect(await storage.plugins.get(owner.id, "gone")).toBeNull();
      expect(await storage.plugins.getVersion(owner.id, "gone", 1)).toBeNull();
      expect(await storage.plugins.list(owner.id)).toEqual([]);
      // The name is free again, starting over at version 1.
      await storage.plugins.create(pluginVersion(owner.id, "gone", 1));
      expect((await storage.plugins.listVersions(owner.id, "gone", { limit: 10 })).items.map((v) => v.version)).toEqual([1]);
    });
  });
}
