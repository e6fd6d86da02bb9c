import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { OperationView } from "../../src/services/operation-schemas";
import { bin, json, User } from "./helpers";

const user = new User("cli-bulk");
const FLOW = `metadata: {name: Bulk waits}
nodes:
  prepare: {type: transform, params: {script: "return input"}, next: {default: approve}}
  approve: {type: wait, params: {type: event, event: approval}}
`;

async function ids(status: string): Promise<string[]> {
  const r = await user.run(["executions", "list", "--flow", "Bulk waits", "--status", status, "--json", "--all"]);
  expect(r.code, r.stderr).toBe(0);
  return json<{ executions: { id: string }[] }>(r.stdout).executions.map((e) => e.id);
}

async function waitingRuns(count: number): Promise<string[]> {
  const started: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await user.run(["run", "Bulk waits", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    started.push(json<{ id: string }>(r.stdout).id);
  }
  for (let i = 0; i < 100 && !started.every((id) => waiting.has(id)); i++) {
    waiting = new Set(await ids("waiting"));
    await new Promise((r) => setTimeout(r, 100));
  }
  return started;
}
let waiting = new Set<string>();

beforeAll(async () => {
  await user.login();
  const created = await user.run(["flows", "create", user.file("bulk.yaml", FLOW)]);
  expect(created.code, created.stderr).toBe(0);
});

describe("bulk actions from the CLI", () => {
  it("cancels every waiting run of a flow, then re-runs them, and follows and lists the operations", async () => {
    const targets = await waitingRuns(5);
    const cancelled = await user.run(["executions", "cancel", "--flow", "Bulk waits", "--status", "waiting"]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/^opr_[0-9a-z]{25} succeeded: 5 of 5 cancelled, 0 skipped, 0 failed\n$/);
    expect((await ids("cancelled")).sort()).toEqual([...targets].sort());

    const started = await user.run(["executions", "rerun", "--flow", "Bulk waits", "--status", "cancelled", "--no-wait", "--json"]);
    expect(started.code, started.stderr).toBe(0);
    const operation = json<OperationView>(started.stdout);
    expect(operation).toMatchObject({ action: "rerun", filter: { status: "cancelled" } });
    const followed = await user.run(["operations", "get", operation.id, "--wait", "--json"]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(json<OperationView>(followed.stdout)).toMatchObject({ status: "succeeded", matched: 5, done: 5 });

    const listed = await user.run(["operations", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`${operation.id} +rerun +succeeded +5/5`));
    const shown = await user.run(["operations", "get", operation.id]);
    expect(shown.stdout).toMatch(/status +succeeded/);
    const stop = await user.run(["operations", "cancel", operation.id]);
    expect(stop.stdout).toBe(`${operation.id} had already ended: succeeded\n`);
    // Single-id cancel still works.
    const [one] = await waitingRuns(1);
    expect((await user.run(["executions", "cancel", one!])).stdout).toBe(`Cancelled ${one}\n`);
  });

  it("says why a filter cannot work, and what it needs", async () => {
    const wrong = await user.run(["executions", "cancel", "--flow", "Bulk waits", "--status", "completed"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/acts on running, waiting executions/);
    const neither = await user.run(["executions", "cancel"]);
    expect(neither.code).toBe(3);
    expect(neither.stderr).toMatch(/an execution id, or filters/);
    const both = await user.run(["executions", "cancel", "exe_0123456789abcdefghijklmno", "--status", "waiting"]);
    expect(both.code).toBe(3);
    const fromNode = await user.run(["executions", "rerun", "--status", "failed", "--from-node", "approve"]);
    expect(fromNode.code).toBe(3);
    expect(fromNode.stderr).toMatch(/--from-node applies to one execution/);
  });
});

// A real terminal through util-linux `script`, where the CLI asks before acting.
const script = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p));

function onTerminal(args: string[], answer: string): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn(script!, ["-qfec", command, "/dev/null"], { cwd: user.home, env: user.env(), stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  let asked = false;
  child.stdout.on("data", (d: Buffer) => {
    screen += d.toString();
    if (!asked && /\[y\/N\] $/.test(screen)) {
      asked = true;
      setTimeout(() => child.stdin.write(answer), 50);
    }
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, screen })));
}

describe.runIf(script)("bulk actions on a terminal", () => {
  it("ask first, and do nothing unless confirmed", async () => {
    const targets = await waitingRuns(2);
    const before = json<{ operations: unknown[] }>((await user.run(["operations", "list", "--json"])).stdout).operations.length;
    const declined = await onTerminal(["executions", "cancel", "--flow", "Bulk waits", "--status", "waiting"], "n\r");
    expect(declined.screen).toMatch(
      /Cancel every execution matching flow_id=flw_[0-9a-z]{25} status=waiting\? \[y\/N\] n\r\nNothing done\./,
    );
    expect(declined.code).toBe(2);
    expect(json<{ operations: unknown[] }>((await user.run(["operations", "list", "--json"])).stdout).operations).toHaveLength(before);
    const confirmed = await onTerminal(["executions", "cancel", "--flow", "Bulk waits", "--status", "waiting"], "y\r");
    expect(confirmed.code, JSON.stringify(confirmed.screen)).toBe(0);
    // The earlier bulk re-run left runs waiting too: all of them go.
    expect(confirmed.screen).toMatch(/succeeded: (\d+) of \1 cancelled/);
    expect(await ids("waiting")).not.toEqual(expect.arrayContaining(targets));
  });
});
