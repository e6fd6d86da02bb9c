import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { createD1Storage } from "../../../src/storage/d1";
import { createAccount, uid } from "./conformance-kit";
import { describeStorageConformance } from "./conformance";

describeStorageConformance("D1", () => ({ storage: createD1Storage(env.DB) }));

it("D1: a flow row written before the trigger switch existed reads as enabled", async () => {
  const storage = createD1Storage(env.DB);
  const owner = await createAccount(storage);
  const id = uid("flw");
  // The columns of migrations/0001_init.sql only: `enabled` takes the default 0005 gave it.
  await env.DB.prepare(
    "INSERT INTO flows (id, account_id, name, description, version, content, created_at, updated_at) VALUES (?, ?, 'Old', NULL, 1, 'x', ?, ?)",
  )
    .bind(id, owner.id, "2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z")
    .run();
  expect(await storage.flows.get(owner.id, id)).toMatchObject({ id, enabled: true, tags: [], custom: {}, status: "draft" });
});
