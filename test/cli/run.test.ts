import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { collect, json, User, waitForOutput } from "./helpers";

const user = new User("cli-runs");

const FLOWS = {
  "greet.yaml": `metadata: {name: Greet}
nodes:
  greet:
    type: transform
    params: {script: "console.log('greeting', input.name); return { greeting: 'hello ' + input.name }"}
`,
  "approval.yaml": `metadata: {name: Approval}
nodes:
  ask:
    type: transform
    params: {script: "console.log('asking for', input.amount); return input"}
    next: {default: approve}
  approve:
    type: wait
    params: {type: event, event: approval}
    next: {default: book}
  book:
    type: transform
    params: {script: "return { booked: results.ask.amount, by: input.by }"}
`,
  "failing.yaml": `metadata: {name: Failing}
nodes:
  prepare:
    type: transform
    params: {script: "return 1"}
    next: {default: charge}
  charge:
    type: transform
    retry: {max_retries: 1, wait: 10ms}
    params: {script: "console.warn('charging'); throw new Error('card declined')"}
`,
  // A model call under wrangler dev (no code generation, as in production): streamed, its JSON checked
  // against the schema, against the OpenAI-compatible stand-in's default model.
  "ask.yaml": `metadata: {name: Ask}
nodes:
  ask:
    type: llm
    params:
      provider: standin
      base_url: ${inject("standins").openai}
      api_key: sk-standin
      model: gpt-4.1-mini
      prompt: Rate this
      stream: true
      response_format: {type: json_schema, json_schema: {name: rating, schema: {type: object, properties: {stars: {type: integer, minimum: 1}}, required: [stars]}}}
`,
};

/** Lines of a plain (piped) --follow, with durations blanked. */
const steps = (stdout: string) => stdout.split("\n").map((l) => l.replace(/ +\d+(\.\d+)?(ms|s) /, " <t> ").replace(/ {2,}/g, " "));

beforeAll(async () => {
  await user.login();
  const created = await Promise.all(
    Object.entries(FLOWS).map(([name, content]) => user.run(["flows", "create", user.file(name, content)])),
  );
  for (const r of created) expect(r.code, r.stderr).toBe(0);
});

function otherNode(): string | undefined {
  // The system Node (20 here) has no global WebSocket: --follow must poll.
  for (const candidate of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(candidate)) continue;
    const major = Number(execFileSync(candidate, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).trim());
    if (major === 20 || major === 21) return candidate;
  }
  return undefined;
}

describe.concurrent("flowrunner run", () => {
  it("shows the tokens a run's model calls used on its last line", async () => {
    const r = await user.run(["run", "Ask", "--wait"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const [last, ...output] = r.stdout.split("\n");
    expect(last).toMatch(/^completed in \S+ \(1 step, \d+ tokens\)$/);
    expect(JSON.parse(output.join("\n"))).toMatchObject({
      structured_output: { stars: 1 },
      usage: { total_tokens: Number(last!.match(/(\d+) tokens/)![1]) },
    });
  });

  it("starts a run and prints its id (exit 0)", async () => {
    const r = await user.run(["run", "Greet", "--input-json", '{"name": "x"}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Started exe_[a-z0-9]{25} \((running|completed)\)\n$/);
  });

  it("waits and prints the output (--wait), from --input or --input-json", async () => {
    const r = await user.run(["run", "Greet", "--input-json", '{"name": "world"}', "--wait"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^completed in \d+(\.\d+)?m?s \(1 step\)\n\{\n {2}"greeting": "hello world"\n\}\n$/);
    const file = user.file("input.json", '{"name": "file"}');
    const fromFile = json<{ status: string; output: unknown }>(
      (await user.run(["run", "Greet", "--input", file, "--wait", "--json"])).stdout,
    );
    expect(fromFile).toMatchObject({ status: "completed", output: { greeting: "hello file" } });
    const fromStdin = await user.run(["run", "Greet", "--input", "-", "--wait", "--json"], { input: '{"name": "stdin"}' });
    expect(json(fromStdin.stdout)).toMatchObject({ output: { greeting: "hello stdin" } });
  });

  it("refuses bad input as a usage error (exit 3)", async () => {
    const r = await user.run(["run", "Greet", "--input-json", "{nope"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: --input-json is not valid JSON: /);
    expect((await user.run(["run", "Greet", "--input", "a.json", "--input-json", "{}"])).code).toBe(3);
    expect((await user.run(["run", "Greet", "--wait", "--timeout", "soon"])).code).toBe(3);
  });

  it("exits 1 with the error when the run fails (--wait)", async () => {
    const r = await user.run(["run", "Failing", "--wait"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^failed in \S+ \(3 steps\): script_runtime: script: Error: card declined .*\(node charge\)\n$/);
  });

  it("follows a failing run: one line per step with status and duration, logs, exit 1", async () => {
    const r = await user.run(["run", "Failing", "--follow"]);
    expect(r.code).toBe(1);
    const lines = steps(r.stdout);
    expect(lines[0]).toMatch(/^exe_[a-z0-9]{25} flow flw_[a-z0-9]{25} v1 (running|failed)$/);
    expect(lines.slice(1, 6)).toEqual([
      "prepare completed <t> → default",
      " [warn] charge: charging",
      expect.stringMatching(/^charge retrying <t> script_runtime: script: Error: card declined .*\(attempt 1, retry in 10ms\)$/),
      " [warn] charge: charging",
      expect.stringMatching(/^charge failed <t> script_runtime: script: Error: card declined/),
    ]);
    expect(lines[6]).toMatch(/^failed in \S+ \(3 steps\): script_runtime: .*\(node charge\)$/);
  });

  it("follows a run through a wait: the test sends the event while it streams", async () => {
    const child = user.spawn(["run", "Approval", "--input-json", '{"amount": 42}', "--follow"]);
    const done = collect(child);
    const seen = await waitForOutput(child, /approve +waiting/);
    const id = /exe_[a-z0-9]{25}/.exec(seen)![0];
    expect(steps(seen).slice(1)).toEqual([
      " [info] ask: asking for 42",
      "ask completed <t> → default",
      "approve waiting event 'approval'",
      "",
    ]);

    const sent = await user.run(["events", "send", id, "approval", "--data", '{"by": "lee"}']);
    expect(sent).toMatchObject({ code: 0, stdout: `Sent 'approval' to ${id}: resumed 1 waiting node (run is completed)\n` });
    const r = await done;
    expect(r.code).toBe(0);
    expect(steps(r.stdout).slice(4)).toEqual([
      "approve completed <t> → default",
      "book completed <t> → default",
      expect.stringMatching(/^completed in \S+ \(3 steps\)$/),
      "{",
      ' "booked": 42,',
      ' "by": "lee"',
      "}",
      "",
    ]);
  });

  it("streams JSON events with --follow --json, ending with the execution", async () => {
    const r = await user.run(["run", "Greet", "--input-json", '{"name": "json"}', "--follow", "--json"]);
    expect(r.code).toBe(0);
    const messages = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => json<{ type: string; event?: { type: string }; execution?: { status: string; output: unknown } }>(l));
    expect(messages.map((m) => m.event?.type ?? m.type)).toEqual([
      "execution.started",
      "step.started",
      "log",
      "step.completed",
      "execution.completed",
      "execution",
    ]);
    expect(messages.at(-1)!.execution).toMatchObject({ status: "completed", output: { greeting: "hello json" } });
  });

  it("exits 2 when the run is cancelled while followed", async () => {
    const child = user.spawn(["run", "Approval", "--follow"]);
    const done = collect(child);
    const seen = await waitForOutput(child, /approve +waiting/);
    const id = /exe_[a-z0-9]{25}/.exec(seen)![0];
    expect((await user.run(["executions", "cancel", id])).stdout).toBe(`Cancelled ${id}\n`);
    const r = await done;
    expect(r.code).toBe(2);
    expect(steps(r.stdout).slice(-3)).toEqual([
      "approve cancelled run cancelled",
      expect.stringMatching(/^cancelled in \S+ \(2 steps\): cancelled: Cancelled by request$/),
      "",
    ]);
  });

  it("exits 2 when --timeout passes before the run ends", async () => {
    const timedOut = await user.run(["run", "Approval", "--wait", "--timeout", "1s"]);
    expect(timedOut.code).toBe(2);
    expect(timedOut.stdout).toMatch(/^exe_[a-z0-9]{25} is waiting: approve waiting for event 'approval'\n$/);
  });

  it("follows by polling when asked to (FLOWRUNNER_WATCH=poll), through a wait", async () => {
    const child = user.spawn(["run", "Approval", "--input-json", '{"amount": 7}', "--follow"], { env: { FLOWRUNNER_WATCH: "poll" } });
    const done = collect(child);
    const seen = await waitForOutput(child, /approve +waiting/);
    const id = /exe_[a-z0-9]{25}/.exec(seen)![0];
    expect((await user.run(["events", "send", id, "approval", "--data", '{"by": "poll"}'])).code).toBe(0);
    const r = await done;
    expect(r.code).toBe(0);
    expect(steps(r.stdout).slice(1, 6)).toEqual([
      " [info] ask: asking for 7",
      "ask completed <t> → default",
      "approve waiting event 'approval'",
      "approve completed <t> → default",
      "book completed <t> → default",
    ]);
  });

  it.runIf(otherNode())("works on Node 20: follow (polling), validate", async () => {
    const node = otherNode()!;
    const r = await user.run(["run", "Failing", "--follow"], { node });
    expect(r.code).toBe(1);
    expect(steps(r.stdout).slice(1, 2)).toEqual(["prepare completed <t> → default"]);
    expect(r.stdout).toMatch(/\nfailed in \S+ \(3 steps\): script_runtime/);
    const ok = await user.run(["run", "Greet", "--input-json", '{"name": "20"}', "--follow"], { node });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('"greeting": "hello 20"');
    const valid = await user.run(["validate", "-"], { node, input: FLOWS["greet.yaml"] });
    expect(valid).toMatchObject({ code: 0, stdout: "<stdin>: valid\n" });
  });
});

describe("flowrunner executions", () => {
  let id = "";
  beforeAll(async () => {
    id = json<{ id: string }>((await user.run(["run", "Failing", "--wait", "--json"])).stdout).id;
  });

  it("lists executions, filtered by flow and status", async () => {
    const r = await user.run(["executions", "list", "--flow", "Failing", "--status", "failed", "--limit", "100"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +FLOW +STATUS +STEPS +CREATED +TOOK +ERROR$/);
    expect(lines[1]).toMatch(new RegExp(`^${id} +flw_[a-z0-9]{25} v1 +failed +3 +\\S+ \\S+ +\\S+ +script_runtime: .*\\(node charge\\)$`));
    const data = json<{ executions: { id: string; status: string }[] }>(
      (await user.run(["executions", "list", "--json", "--flow", "Failing"])).stdout,
    );
    expect(data.executions.every((e) => e.status === "failed")).toBe(true);
  });

  it("lists the executions of a time range, given as a time or as a duration before now", async () => {
    const ids = async (...args: string[]) =>
      json<{ executions: { id: string }[] }>(
        (await user.run(["executions", "list", "--json", "--flow", "Failing", ...args])).stdout,
      ).executions.map((e) => e.id);
    expect(await ids("--since", "1h")).toContain(id);
    expect(await ids("--until", "1h")).not.toContain(id);
    expect(await ids("--since", new Date(Date.now() + 60_000).toISOString())).toEqual([]);
    const bad = await user.run(["executions", "list", "--since", "yesterday"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("--since must be a time like");
  });

  it("shows one execution, its steps and its logs", async () => {
    const get = await user.run(["executions", "get", id]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^id +${id}\\nflow +flw_\\w+ v1\\nstatus +failed\\ntrigger +api\\n`));
    expect(get.stdout).toMatch(/\nerror +script_runtime: script: Error: card declined .*\(node charge\)\n/);
    const stepTable = await user.run(["executions", "steps", id]);
    expect(
      stepTable.stdout.split("\n").map((l) =>
        l
          .replace(/ {2,}/g, " ")
          .replace(/\d+ms/, "<t>")
          .replace(/\d{4}-\S+ \S+Z/, "<time>"),
      ),
    ).toEqual([
      "SEQ NODE ATTEMPT STATUS ACTION DURATION STARTED ERROR",
      "1 prepare 1 completed default <t> <time> -",
      expect.stringMatching(/^2 charge 1 retrying - <t> <time> script_runtime: script: Error: card declined/),
      expect.stringMatching(/^3 charge 2 failed - <t> <time> script_runtime: script: Error: card declined/),
      "",
    ]);
    const logs = await user.run(["executions", "logs", id]);
    expect(logs.stdout).toMatch(/^\S+ \S+Z warn +charge: charging\n\S+ \S+Z warn +charge: charging\n$/);
    expect(json<{ logs: unknown[] }>((await user.run(["executions", "logs", id, "--json", "--level", "info"])).stdout).logs).toEqual([]);
    expect(
      json<{ steps: unknown[] }>((await user.run(["executions", "steps", id, "--json", "--node", "charge"])).stdout).steps,
    ).toHaveLength(2);
  });

  it("re-runs from a node, and follows the re-run", async () => {
    const r = await user.run(["executions", "rerun", id, "--from-node", "charge", "--follow"]);
    expect(r.code).toBe(1);
    const lines = steps(r.stdout);
    expect(lines[0]).toMatch(/^exe_[a-z0-9]{25} flow flw_[a-z0-9]{25} v1 /);
    expect(lines[0]).not.toContain(id);
    expect(r.stdout).not.toContain("prepare");
    expect(r.stdout).toMatch(/\nfailed in \S+ \(2 steps\)/);
    const waited = await user.run(["executions", "rerun", id, "--wait", "--json"]);
    expect(json(waited.stdout)).toMatchObject({ status: "failed", trigger: `rerun:${id}` });
  });

  it("refuses events to a finished run, and unknown executions", async () => {
    const r = await user.run(["events", "send", id, "approval"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: conflict: /);
    const missing = await user.run(["executions", "get", "exe_0123456789abcdefghijklmno"]);
    expect(missing).toMatchObject({ code: 1, stderr: "error: not_found: Execution not found\n" });
  });
});
