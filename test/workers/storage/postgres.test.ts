import { inject } from "vitest";
import { createPostgresStorage } from "../../../src/storage/postgres";
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
