import path from "node:path";
import { defineConfig } from "vitest/config";
import { trustLocalCa } from "./scripts/standins/local-ca.mjs";
import { PLUGIN_WORKERS, storageProviderProjects } from "./test/storage-projects.ts";

// The TLS stand-ins (SMTP's STARTTLS and TLS listeners) present certificates of a local CA, and workerd
// verifies every certificate. Miniflare reads NODE_EXTRA_CA_CERTS once, when it is first imported, and
// hands it to workerd (for the pool here and for `wrangler dev` started by the cli project): so the CA
// is trusted first and the plugin imported after, dynamically, since static imports would run before.
trustLocalCa();
const { cloudflareTest, readD1Migrations } = await import("@cloudflare/vitest-plugin");

const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
// Flows in the tests call real servers on 127.0.0.1, as under local development.
// They run in development mode (FLOWRUNNER_ENV): the vault uses its development key, which production refuses.
const workerBindings = {
  TEST_MIGRATIONS: migrations,
  JWT_SECRET: "test-jwt-secret-0123456789abcdef",
  OUTBOUND_PRIVATE_NETWORK: "allow",
  FLOWRUNNER_ENV: "development",
  // Lines per request and per run transition (runs fail on purpose in many tests: warn) would bury the
  // output; errors still show. The log tests set their own level and sink.
  LOG_LEVEL: "error",
};

export default defineConfig({
  test: {
    // Two files at a time even on two cores (vitest's default there is one): most of a test's time is
    // spent waiting on workerd, wrangler dev or a local server, not computing. 506 s → 358 s here.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        // The flowrunner CLI, spawned as a user would, and the dashboard in a real browser (chromium),
        // against a real `wrangler dev`.
        test: {
          name: "cli",
          include: ["test/cli/**/*.test.ts", "test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/cli/global-setup.ts", "test/standins-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => {
            // The postgres node reaches the local PostgreSQL through this run's relay.
            const postgres = inject("storageServices").postgres;
            return {
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { ...workerBindings, ...("wsProxy" in postgres ? { POSTGRES_WS_PROXY: postgres.wsProxy } : {}) },
                ...PLUGIN_WORKERS,
              },
            };
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["test/workers/setup.ts"],
          globalSetup: ["test/global-setup.ts", "test/storage-setup.ts", "test/standins-setup.ts", "test/imap-setup.ts"],
          // One workerd per pool worker, reused by the files it runs: starting a fresh one per file cost
          // ≈ 10 s each on two cores (most of the suite's time). Files therefore share D1 and Durable
          // Objects, and every test makes its own accounts and names rather than expect an empty store.
          isolate: false,
          // Generous: on a busy 2-core machine a QuickJS-heavy test can take seconds.
          testTimeout: 30_000,
        },
      },
      // Flow registry and execution index API tests again on Postgres and DynamoDB (docs/storage.md).
      ...(await storageProviderProjects(cloudflareTest, workerBindings)),
    ],
  },
});
