/**
 * Where the test run finds PostgreSQL, shared by vitest.config.ts (which
 * leaves out the Postgres API project when the server is down) and
 * test/storage-setup.ts (which starts the relay and the local DynamoDB).
 */
import net from "node:net";

/** Override with TEST_DATABASE_URL; the schema is added per run. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || "postgres://root@127.0.0.1:5432/test";

export const inCI = () => process.env.CI === "true" || process.env.CI === "1";

export function isReachable(url: string, timeoutMs = 2_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port || 5432) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Outside CI a missing service skips its tests, loudly; in CI it is an error. */
export function missingService(message: string): string {
  if (inCI()) throw new Error(`${message} (CI=true: the storage tests need it)`);
  const line = "!".repeat(100);
  console.warn(`\n${line}\n!!! SKIPPING: ${message}\n!!! Start it (see docs/storage.md) to run these tests.\n${line}\n`);
  return message;
}
