/**
 * Store writes are not checkpointed before they run (that would cost a storage flush each): the run
 * replays them after a crash with the same request ids, and the store applies each once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, signUp, type TestUser } from "../../helpers/api";
import { crash, recover } from "../../helpers/crash";

const STEPS = 20;

/** STEPS increments of the run's own key, then the values each step saw, in order. */
function incrementChain(): string {
  const nodes = Array.from({ length: STEPS }, (_, i) => {
    const next = i + 1 < STEPS ? `i${i + 1}` : "seen";
    return `  i${i}: {type: store, params: {operation: increment, key: "count-\${execution.id}"}, next: {default: ${next}}}`;
  });
  const seen = Array.from({ length: STEPS }, (_, i) => `results.i${i}.new_value`).join(", ");
  return `metadata: {name: Increment chain}\nnodes:\n${nodes.join("\n")}\n  seen: {type: transform, params: {script: "return [${seen}]"}}\n`;
}

const storeValue = async (user: TestUser, key: string) =>
  ((await (await call(`/api/v1/store/${encodeURIComponent(key)}`, { headers: user.auth })).json()) as { value: number }).value;

describe("store writes across crashes", () => {
  beforeAll(async () => {
    // QuickJS is loaded outside any crash (see durability.test.ts).
    const user = await signUp();
    const flow = await saveFlow(user, `metadata: {name: Warm-up}\nnodes:\n  a: {type: transform, params: {script: "return 1"}}\n`);
    expect((await runFlow(user, flow, {}, 20)).status).toBe("completed");
  });

  it("counts every increment exactly once however often the run crashes and replays", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, incrementChain());
    const expected = Array.from({ length: STEPS }, (_, i) => i + 1);
    let crashedMidRun = 0;
    for (let round = 0; round < 8; round++) {
      const run = await runFlow(user, flow, {}, 0);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
      if ((await getExecution(user, run.id)).status === "running") crashedMidRun++;
      await crash(run.id);
      if (round % 2 === 0) await crash(run.id);
      const done = await recover(user, run.id);
      expect(done.status).toBe("completed");
      expect(done.output).toEqual(expected);
      expect(await storeValue(user, `count-${run.id}`)).toBe(STEPS);
    }
    expect(crashedMidRun).toBeGreaterThan(0);
  });
});
