/** `flowrunner schedules` against `wrangler dev`, where a schedule's alarm fires by itself. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const user = new User("cli-schedules");
const TICKING = `metadata: {name: CLI Ticking}
triggers:
  - {id: every-second, type: cron, cron: "@every 1s", input: {from: cli}}
  - {id: new-year, type: cron, cron: "0 0 1 1 *", timezone: Europe/Paris}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

interface Schedule {
  id: string;
  key: string;
  state: string;
  next_fire_at: string | null;
  recent: { outcome: string; execution_id: string | null }[];
}

let flowId = "";
let ticking = "";
let yearly = "";

beforeAll(async () => {
  await user.login();
  const created = await user.run(["flows", "create", user.file("ticking.yaml", TICKING), "--json"]);
  expect(created.code, created.stderr).toBe(0);
  const flow = json<{ id: string; triggers: { id: string; key: string }[] }>(created.stdout);
  flowId = flow.id;
  ticking = flow.triggers.find((t) => t.key === "every-second")!.id;
  yearly = flow.triggers.find((t) => t.key === "new-year")!.id;
});

afterAll(async () => {
  if (flowId) await user.run(["flows", "delete", flowId, "--yes"]);
});

async function runs(): Promise<{ id: string; trigger: string }[]> {
  const r = await user.run(["executions", "list", "--trigger-id", ticking, "--limit", "100", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return json<{ executions: { id: string; trigger: string }[] }>(r.stdout).executions;
}

describe("flowrunner schedules", () => {
  it("lists the flow's schedules as a table and as JSON", async () => {
    const table = await user.run(["schedules", "list", "--flow", "CLI Ticking"]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +FLOW +KEY +CRON +TIMEZONE +STATE +NEXT +LAST$/);
    expect(lines).toHaveLength(3);
    expect(table.stdout).toContain("0 0 1 1 *");
    expect(table.stdout).toMatch(new RegExp(`${yearly} +${flowId} +new-year +0 0 1 1 \\* +Europe/Paris +active +\\d{4}-12-31 23:00:00Z`));
    const listed = json<{ schedules: Schedule[] }>((await user.run(["schedules", "list", "--json"])).stdout);
    expect(listed.schedules.map((s) => s.id).sort()).toEqual([ticking, yearly].sort());
  });

  it("ticks by itself under wrangler dev: one run a second, recorded as the schedule's", async () => {
    let seen: { id: string; trigger: string }[] = [];
    for (let i = 0; i < 60 && seen.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      seen = await runs();
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((r) => r.trigger === `cron:${ticking}`)).toBe(true);
    const shown = await user.run(["schedules", "get", ticking]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^cron +@every 1s$/m);
    expect(shown.stdout).toMatch(/^TICK +OUTCOME +EXECUTION +MESSAGE$/m);
    expect(shown.stdout).toMatch(/ started +exe_[0-9a-z]{25} /);
  });

  it("pauses (no more runs) and resumes", async () => {
    const paused = await user.run(["schedules", "pause", ticking]);
    expect(paused).toMatchObject({ code: 0, stdout: `Paused schedule ${ticking} (@every 1s)\n` });
    const count = (await runs()).length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await runs()).toHaveLength(count);
    const state = json<Schedule>((await user.run(["schedules", "get", ticking, "--json"])).stdout);
    expect(state).toMatchObject({ state: "paused", next_fire_at: null });
    const resumed = await user.run(["schedules", "resume", ticking]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`^Resumed schedule ${ticking} \\(@every 1s\\); next: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\n$`),
    );
    let after = count;
    for (let i = 0; i < 40 && after === count; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = (await runs()).length;
    }
    expect(after).toBeGreaterThan(count);
  });

  it("runs a schedule now, and waits for the run with --wait", async () => {
    const r = await user.run(["schedules", "run", ticking, "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const execution = json<{ id: string; status: string; trigger: string; output: unknown }>(r.stdout);
    expect(execution).toMatchObject({ status: "completed", trigger: `cron:${ticking}`, output: { from: "cli" } });
  });

  it("answers not_found for an unknown schedule", async () => {
    const r = await user.run(["schedules", "get", "trg_0123456789abcdefghijklmno"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: not_found: Schedule not found/);
  });
});
