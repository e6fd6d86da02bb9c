import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
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
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" };

function waitForReady(child: ChildProcess, log: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not get ready in ${timeoutMs} ms:\n${log.join("")}`)), timeoutMs);
    let ready = false;
    const onData = (chunk: Buffer) => {
      if (ready) return;
      log.push(chunk.toString());
      if (/Ready on /.test(log.join(""))) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    // Keep reading after it is ready, so the pipes never fill up.
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`wrangler dev exited with ${code}:\n${log.join("")}`));
    });
  });
}

/** Runs a command to its end; rejects with its output when it fails. */
function exec(args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.stdin.end(input ?? "");
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`))));
  });
}

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
  const [port, inspector] = [await freePort(), await freePort()];
  const failure = path.join(state, "startup-error.txt");
  project.provide("cliServer", `http://127.0.0.1:${port}`);
  project.provide("cliServerFailure", failure);

  let child: ChildProcess | undefined;
  let stopped = false;
  const started = (async () => {
    await exec([wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], "y\n");
    if (stopped) return;
    const args = [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      // As `npm start`: webhooks and flows may reach the tests' own servers on 127.0.0.1.
      "--var",
      "OUTBOUND_PRIVATE_NETWORK:allow",
      // The development secrets are fine here; production mode would refuse them.
      "--var",
      "FLOWRUNNER_ENV:development",
    ];
    child = spawn(process.execPath, [wrangler, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    await waitForReady(child, [], 120_000);
  })().catch((error: unknown) => {
    writeFileSync(failure, String((error as Error)?.stack ?? error));
    if (child) stop(child);
  });

  return async () => {
    stopped = true;
    await started;
    if (child) {
      stop(child);
      await new Promise((resolve) => (child!.exitCode === null ? child!.once("exit", resolve) : resolve(null)));
    }
    rmSync(state, { recursive: true, force: true });
  };
}

/** Stops wrangler and the workerd it started (its own process group). */
function stop(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}
