/**
 * The README's first hour, as a new user would have it: its curl walk-through and then its CLI
 * walk-through, taken from README.md's fenced shell blocks as they are written and run in that
 * order, each in a fresh shell, in one directory, against one server. The only change made to them
 * is the server's address. The CLI runs on a terminal (`script` gives it one), so the password
 * prompts are answered as a person would answer them.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bin, root, serverReady } from "./helpers";

const README = readFileSync(path.join(root, "README.md"), "utf8");
const README_URL = "http://localhost:8787";
const PASSWORD = "correct horse battery";

/** The fenced sh/bash blocks between two headings of the README, in order. */
function shellBlocks(from: string, to: string): string[] {
  const start = README.indexOf(from);
  const end = README.indexOf(to, start);
  expect(start, from).toBeGreaterThan(0);
  expect(end, to).toBeGreaterThan(start);
  return [...README.slice(start, end).matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

interface Shell {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs a script with bash on a pseudo-terminal, stopping at the first failing command, and types the
 * password whenever a prompt asks for it. Resolves with the exit code and everything printed.
 */
function runOnTerminal(shell: Shell, script: string): Promise<{ code: number | null; output: string }> {
  const file = path.join(shell.dir, `walk-through-${Date.now()}.sh`);
  writeFileSync(file, script);
  const child = spawn("script", ["--quiet", "--return", "--flush", "--command", `bash -eo pipefail ${file}`, "/dev/null"], {
    cwd: shell.dir,
    env: shell.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let answeredUpTo = 0;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const prompt = /(Password[^\n]*|Again): $/.exec(output);
    if (prompt && prompt.index >= answeredUpTo) {
      answeredUpTo = output.length;
      child.stdin.write(`${PASSWORD}\r`);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  // A prompt left unanswered would hang the test: stop first, with what was printed.
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Runs a script with bash, no terminal, stopping at the first failing command. */
function runInShell(shell: Shell, script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn("bash", ["-eo", "pipefail", "-c", script], { cwd: shell.dir, env: shell.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

let shell: Shell;
let url: string;

beforeAll(async () => {
  await serverReady();
  url = inject("cliServer");
  const dir = mkdtempSync(path.join(tmpdir(), "flowrunner-readme-"));
  // The user's checkout: `flowrunner` on the PATH (`npm install -g .`) and examples/ beside them.
  const binDir = path.join(dir, ".bin");
  mkdirSync(binDir);
  symlinkSync(bin, path.join(binDir, "flowrunner"));
  symlinkSync(path.join(root, "examples"), path.join(dir, "examples"));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FLOWRUNNER_") && k !== "FORCE_COLOR"));
  shell = {
    dir,
    env: {
      ...inherited,
      PATH: [binDir, path.join(root, "node_modules/.bin"), process.env.PATH].join(path.delimiter),
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, ".config"),
      NO_COLOR: "1",
      TERM: "dumb",
    },
  };
});

afterAll(() => {
  if (shell) rmSync(shell.dir, { recursive: true, force: true });
});

describe("README walk-throughs", () => {
  it("the curl walk-through runs as written", async () => {
    const blocks = shellBlocks("## A first flow with curl", "### With the CLI");
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const script = blocks.join("\n").replaceAll(README_URL, url);
    expect(script).toContain(`URL=${url}`);
    const { code, output } = await runInShell(shell, script);
    expect(code, output).toBe(0);
    // What the README says to expect: a completed run with its output, then the two mistakes found.
    expect(output).toContain('"status":"completed"');
    expect(output).toContain('"output":{"greeting":"hello world"}');
    expect(output).toContain('"name":"Hello again","description":null,"version":2');
    expect(output).toMatch(/"token":"frt_/);
    expect(output).toContain('"code":"dangling_edge"');
  });

  it("then the CLI walk-through runs as written, in a fresh shell in the same directory", async () => {
    const blocks = shellBlocks("### With the CLI", "## Flows that start on their own");
    expect(blocks).toHaveLength(1);
    const script = blocks[0]!.replaceAll(README_URL, url);
    const { code, output } = await runOnTerminal(shell, script);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Created flow flw_\w+ "Hello" \(version 1\)/);
    expect(output).toContain('"greeting": "hello world"');
    expect(output).toMatch(/Created flow flw_\w+ "Expense approval" \(version 1\)/);
    expect(output).toMatch(/completed/);
    expect(output).toMatch(/frt_\w{40}/);
  }, 120_000);

  it("the error example is what the server answers for the walk-through's flow with mistakes", async () => {
    const printf = /printf '([^']+)' \|\s*\n?\s*curl -s -X POST \$URL\/api\/v1\/flows\/validate/.exec(README);
    expect(printf).not.toBeNull();
    const yaml = printf![1]!.replaceAll("\\n", "\n");
    const start = README.indexOf("## Errors");
    const shown = JSON.parse(/```json\n([\s\S]*?)```/.exec(README.slice(start))![1]!) as unknown;

    const login = await fetch(`${url}/api/v1/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "alice", password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const saved = await fetch(`${url}/api/v1/flows`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/yaml" },
      body: yaml,
    });
    expect(saved.status).toBe(400);
    expect(await saved.json()).toEqual(shown);
  });
});
