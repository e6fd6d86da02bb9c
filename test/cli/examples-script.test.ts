/**
 * `npm run examples`: starts its own FlowRunner and stand-ins, runs the examples asked for, prints one
 * line each (ok, FAIL or skip with the reason) and exits with 0 only when every one that ran completed.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect, root } from "./helpers";

describe("npm run examples", () => {
  it("runs the examples named (an HTTP one against the loopback API, one that waits for an event) and says why one is skipped", async () => {
    const child = spawn(process.execPath, [path.join(root, "scripts/examples.mjs"), "http-transform", "approval", "postgres"], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const { code, stdout, stderr } = await collect(child);
    expect(code, stdout + stderr).toBe(0);
    const lines = stdout.split("\n").filter((line) => /^(ok|FAIL|skip) /.test(line));
    expect(lines).toEqual([
      expect.stringMatching(/^ok +approval\.yaml +completed, 4 steps, \d+ ms$/),
      expect.stringMatching(/^ok +http-transform\.yaml +completed, 2 steps, \d+ ms$/),
      expect.stringMatching(/^skip +postgres-upsert\.yaml +needs a PostgreSQL database/),
    ]);
    expect(stdout).toContain("Every runnable example completed.");
  }, 180_000);
});
