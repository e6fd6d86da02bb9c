import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";

export const root = path.resolve(import.meta.dirname, "../..");
export const bin = path.join(root, "bin/flowrunner.mjs");

let ready: Promise<void> | undefined;

/** Waits until the test server (started in the background by global-setup.ts) answers. */
export function serverReady(timeoutMs = 150_000): Promise<void> {
  ready ??= (async () => {
    const deadline = Date.now() + timeoutMs;
    const failure = inject("cliServerFailure");
    while (Date.now() < deadline) {
      if (existsSync(failure)) throw new Error(`the test server did not start: ${readFileSync(failure, "utf8")}`);
      const ok = await fetch(`${inject("cliServer")}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the test server did not answer within ${timeoutMs} ms`);
  })();
  return ready;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  env?: Record<string, string | undefined>;
  /** The Node binary; default the one running the tests (22). */
  node?: string;
  cwd?: string;
}

/** A user's shell: their own config dir and working directory. */
export class User {
  readonly home = mkdtempSync(path.join(tmpdir(), "flowrunner-cli-user-"));
  readonly url = inject("cliServer");
  constructor(readonly username: string) {}

  env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FLOWRUNNER_") && k !== "FORCE_COLOR"));
    return { ...base, XDG_CONFIG_HOME: path.join(this.home, "config"), HOME: this.home, NO_COLOR: "1", ...extra };
  }

  /** Spawns `flowrunner <args>` the way a shell would. */
  spawn(args: string[], options: RunOptions = {}): ChildProcess {
    return spawn(options.node ?? process.execPath, [bin, ...args], {
      cwd: options.cwd ?? this.home,
      env: this.env(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
  }

  run(args: string[], options: RunOptions = {}): Promise<Result> {
    return collect(this.spawn(args, options), options.input);
  }

  file(name: string, content: string): string {
    const file = path.join(this.home, name);
    writeFileSync(file, content);
    return file;
  }

  /** Signs up and logs in through the CLI; the password goes through stdin. */
  async login(password = "correct horse battery"): Promise<void> {
    await serverReady();
    const created = await this.run(["accounts", "create", "--url", this.url, "--username", this.username], { input: password + "\n" });
    if (created.code !== 0) throw new Error(`accounts create failed: ${created.stderr}`);
    const login = await this.run(["login", "--url", this.url, "--username", this.username], { input: password + "\n" });
    if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);
  }
}

export function collect(child: ChildProcess, input?: string): Promise<Result> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  if (input !== undefined) child.stdin!.end(input);
  else child.stdin!.end();
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves once the child's stdout matches, with everything read so far. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

export const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;
