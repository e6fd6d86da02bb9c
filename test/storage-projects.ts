/**
 * Extra Workers-pool projects that run the API tests of the flow registry and
 * the execution index once per non-default storage provider: the same test
 * files, with STORAGE_PROVIDER and the connection settings of this run
 * (provided by test/storage-setup.ts) as Worker bindings.
 */
import type { cloudflareTest as CloudflareTest } from "@cloudflare/vitest-plugin";
import type { TestProjectInlineConfiguration } from "vitest/config";
import type { StorageServices } from "./storage-setup.ts";
import { isReachable, missingService, TEST_DATABASE_URL } from "./storage-services.ts";

export const PROVIDER_API_TESTS = [
  "test/workers/flows.test.ts",
  "test/workers/execution-list.test.ts",
  "test/workers/schedules.test.ts",
  "test/workers/plugins-api.test.ts",
  "test/workers/retention.test.ts",
  "test/workers/bulk-operations.test.ts",
  "test/workers/metrics.test.ts",
];

/** The operator's service-binding plugin of the tests (docs/plugins.md): an auxiliary worker, pre-built JavaScript. */
export const PLUGIN_WORKERS = {
  serviceBindings: { PLUGIN_OPS: { name: "ops-plugin", entrypoint: "OpsPlugin" } },
  workers: [{ name: "ops-plugin", modules: true, scriptPath: "./test/fixtures/ops-plugin-worker.js", compatibilityDate: "2026-08-01" }],
};

type Provider = "postgres" | "dynamodb";
type PoolOptions = Exclude<Parameters<typeof CloudflareTest>[0], (...args: never[]) => unknown>;
type Bindings = NonNullable<NonNullable<PoolOptions["miniflare"]>["bindings"]>;

function bindingsFor(services: StorageServices, provider: Provider): Record<string, string> {
  const target = services[provider];
  if ("skip" in target) throw new Error(`workers-${provider}: ${target.skip}`);
  if (provider === "postgres" && "url" in target) {
    return { STORAGE_PROVIDER: "postgres", DATABASE_URL: target.url, NEON_WS_PROXY: target.wsProxy };
  }
  if (provider === "dynamodb" && "endpoint" in target) {
    return {
      STORAGE_PROVIDER: "dynamodb",
      DYNAMODB_ENDPOINT: target.endpoint,
      DYNAMODB_REGION: target.region,
      DYNAMODB_TABLE: target.table,
      AWS_ACCESS_KEY_ID: target.accessKeyId,
      AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
    };
  }
  throw new Error(`workers-${provider}: unexpected settings`);
}

/**
 * The provider projects; Postgres's is left out (loudly, or failing under CI=true) when its server is down.
 * `cloudflareTest` is handed in rather than imported: vitest.config.ts loads the plugin only once the
 * local CA is trusted (see there).
 */
export async function storageProviderProjects(
  cloudflareTest: typeof CloudflareTest,
  baseBindings: Bindings,
): Promise<TestProjectInlineConfiguration[]> {
  const providers: Provider[] = ["dynamodb"];
  if (await isReachable(TEST_DATABASE_URL)) providers.unshift("postgres");
  else missingService(`PostgreSQL at ${new URL(TEST_DATABASE_URL).host} is unreachable: the workers-postgres project is left out`);
  return providers.map((provider) => ({
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { ...baseBindings, ...bindingsFor(inject("storageServices"), provider) }, ...PLUGIN_WORKERS },
      })),
    ],
    test: {
      name: `workers-${provider}`,
      include: PROVIDER_API_TESTS,
      setupFiles: ["test/workers/setup.ts"],
      globalSetup: ["test/global-setup.ts", "test/storage-setup.ts", "test/standins-setup.ts"],
      // As in the workers project (vitest.config.ts): one workerd per pool worker.
      isolate: false,
      testTimeout: 30_000,
    },
  }));
}
