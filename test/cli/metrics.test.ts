import { beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const user = new User("cli-metrics");

beforeAll(async () => {
  await user.login();
  const ok = user.file("ok.yaml", "metadata: {name: Fine}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}}\n");
  const bad = user.file(
    "bad.yaml",
    "metadata: {name: Broken}\nnodes:\n  boom: {type: transform, params: {script: 'throw new Error(1)'}}\n",
  );
  for (const file of [ok, bad]) expect((await user.run(["flows", "create", file])).code).toBe(0);
  for (const name of ["Fine", "Fine", "Broken"]) await user.run(["run", name, "--wait"]);
});

describe("flowrunner metrics", () => {
  it("prints the window's runs, flows and failing nodes as a small table", async () => {
    const r = await user.run(["metrics"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^runs +3 \(completed 2, failed 1\)$/m);
    expect(r.stdout).toMatch(/^steps +3$/m);
    expect(r.stdout).toMatch(/^tokens +0$/m);
    expect(r.stdout).toMatch(/^FLOW +RUNS +BY STATUS$/m);
    expect(r.stdout).toMatch(/^Fine +2 +completed 2$/m);
    expect(r.stdout).toMatch(/^Broken +1 +failed 1$/m);
    expect(r.stdout).toMatch(/^boom +Broken +1$/m);
  });

  it("takes a window, or since/until, and answers JSON with --json", async () => {
    const week = json<{ runs: { total: number }; since: string; until: string }>(
      (await user.run(["metrics", "--window", "7d", "--json"])).stdout,
    );
    expect(week.runs.total).toBe(3);
    expect(Date.parse(week.until) - Date.parse(week.since)).toBe(7 * 86_400_000);
    const empty = await user.run(["metrics", "--since", "2020-01-01T00:00:00Z", "--until", "2020-01-02T00:00:00Z"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("No runs in this window.");
    const wrong = await user.run(["metrics", "--window", "2h"]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("--window must be one of 1h, 24h, 7d, 30d");
  });
});
