import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server.mjs";
import { freePort } from "../../scripts/free-port.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the `wrangler dev` server the CLI tests talk to. */
    cliServer: string;
    /** A file that appears if the server could not start, with the reason. */
    cliServerFailure: string;
  }
}

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Builds the CLI as `npm install` does, then starts a real FlowRunner
 * (`wrangler dev`) on a free port with its own empty state directory. The
 * server starts in the background, so other projects' tests run meanwhile;
 * the CLI tests wait for it (`serverReady` in helpers.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, [path.join(root, "scripts/build-cli.mjs")], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`building the CLI failed:\n${build.stderr}`);
  // The server serves the dashboard (wrangler.toml [assets]), which the browser tests open.
  const dashboard = spawnSync(process.execPath, [path.join(root, "scripts/build-dashboard.mjs"), "--if-stale"], {
    cwd: root,
    encoding: "utf8",
  });
  if (dashboard.status !== 0) throw new Error(`building the dashboard failed:\n${dashboard.stderr}`);

  const state = mkdtempSync(path.join(tmpdir(), "flowrunner-cli-test-"));
  const port = await freePort();
  const failure = path.join(state, "startup-error.txt");
  project.provide("cliServer", `http://127.0.0.1:${port}`);
  project.provide("cliServerFailure", failure);

  let child: ChildProcess | undefined;
  let server: { close(): Promise<void> } | undefined;
  const started = startDevServer({ persistTo: state, port, onStart: (spawned) => (child = spawned) }).then(
    (running) => {
      server = running;
    },
    (error: unknown) => writeFileSync(failure, String((error as Error)?.stack ?? error)),
  );

  return async () => {
    // A start still under way is stopped where it is; a finished one is closed.
    if (!server && child && child.exitCode === null) stopProcessGroup(child);
    await started;
    await server?.close();
    rmSync(state, { recursive: true, force: true });
  };
}

function stopProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}
