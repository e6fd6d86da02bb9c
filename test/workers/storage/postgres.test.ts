import { expect, inject, it } from "vitest";
import { createPostgresStorage } from "../../../src/storage/postgres";
import { createAccount, uid } from "./conformance-kit";
import { describeStorageConformance } from "./conformance";

// PostgreSQL on 127.0.0.1:5432 through the run's WebSocket relay, in the run's own schema (test/storage-setup.ts).
const { postgres } = inject("storageServices");

describeStorageConformance(
  "Postgres",
  "skip" in postgres
    ? postgres
    : () => {
        const storage = createPostgresStorage({ url: postgres.url, wsProxy: postgres.wsProxy });
        return { storage, close: () => storage.pool.end() };
      },
);

it.skipIf("skip" in postgres)("Postgres: a flow row written before the trigger switch existed reads as enabled", async () => {
  if ("skip" in postgres) return;
  const storage = createPostgresStorage({ url: postgres.url, wsProxy: postgres.wsProxy });
  try {
    const owner = await createAccount(storage);
    const id = uid("flw");
    // The columns of 0001_init.sql only: `enabled` takes the default 0005 gave it.
    await storage.pool.query(
      "INSERT INTO flows (id, account_id, name, description, version, content, created_at, updated_at) VALUES ($1, $2, 'Old', NULL, 1, 'x', $3, $3)",
      [id, owner.id, "2030-01-01T00:00:00.000Z"],
    );
    expect(await storage.flows.get(owner.id, id)).toMatchObject({ id, enabled: true, tags: [], custom: {}, status: "draft" });
  } finally {
    await storage.pool.end();
  }
});
