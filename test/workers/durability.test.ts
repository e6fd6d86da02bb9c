import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, signUp, yaml } from "../helpers/api";
import { crash, hits as hitsAt, recover, stubOf } from "../helpers/crash";

const HTTP = inject("httpBase");
const NODES = ["n1", "n2", "n3", "n4", "n5", "n6"];

const hits = (key: string) => hitsAt(HTTP, key);

/**
 * A chain of HTTP calls, each counting itself on the loopback server, with a pure `transform` step
 * after each (whose start is stored only with its completion) counting the chain's length so far.
 */
function countingFlow(): string {
  const nodes = NODES.flatMap((id, i) => {
    const next = NODES[i + 1] ? `, next: {default: ${NODES[i + 1]}}` : "";
    const count = i === 0 ? "1" : `results.t${NODES[i - 1]}.n + 1`;
    return [
      `  ${id}: {type: http.request, params: {url: "${HTTP}/hit/\${execution.id}-${id}"}, next: {default: t${id}}}`,
      `  t${id}: {type: transform, params: {script: "return { n: ${count} }"}${next}}`,
    ];
  });
  return `metadata: {name: Counting chain}\nnodes:\n${nodes.join("\n")}\n`;
}

interface Step {
  node_id: string;
  status: string;
  error: { code: string } | null;
}

describe("crashes", () => {
  // Under the test pool, QuickJS's modules are fetched lazily by the module runner the first time a
  // script runs in this isolate. A crash that aborts the object while that first fetch is under way
  // leaves the runner's promise for the module pending forever, and every later script in the isolate
  // waits on it. A deployed Worker has those modules in its bundle, so the crashes below are only
  // meaningful once QuickJS is loaded: one run first, outside any crash.
  beforeAll(async () => {
    const user = await signUp();
    const flow = await saveFlow(user, `metadata: {name: Warm-up}\nnodes:\n  a: {type: transform, params: {script: "return 1"}}\n`);
    const run = await runFlow(user, flow, {}, 20);
    expect(run.status).toBe("completed");
  });

  it("finishes every run after random crashes and never repeats a completed step", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, countingFlow());
    let interruptedTotal = 0;
    for (let round = 0; round < 12; round++) {
      const run = await runFlow(user, flow, {}, 0);
      const key = run.id;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 25)));
      await crash(run.id);
      if (round % 3 === 0) {
        // A second crash while recovering.
        await runDurableObjectAlarm(stubOf(run.id)).catch(() => undefined);
        await crash(run.id);
      }
      const done = await recover(user, run.id);
      expect(done.status, JSON.stringify(done.error)).toBe("completed");
      expect(done.output).toEqual({ n: NODES.length });

      const steps = ((await (await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth })).json()) as { steps: Step[] }).steps;
      for (const node of NODES) {
        const interrupted = steps.filter((s) => s.node_id === node && s.error?.code === "interrupted").length;
        interruptedTotal += interrupted;
        // A node runs once; a crash that caught it mid-step may add one more call (the crash can land
        // before or after the request left). A node that completed before a crash never runs again.
        const count = await hits(`${key}-${node}`);
        if (interrupted === 0) expect(count, `${node} in round ${round}`).toBe(1);
        else {
          expect(count, `${node} in round ${round}`).toBeGreaterThanOrEqual(1);
          expect(count, `${node} in round ${round}`).toBeLessThanOrEqual(1 + interrupted);
        }
        expect(steps.filter((s) => s.node_id === node && s.status === "completed")).toHaveLength(1);
        expect(steps.filter((s) => s.node_id === `t${node}` && s.status === "completed")).toHaveLength(1);
      }
      expect(steps.every((s) => s.status === "completed" || s.error?.code === "interrupted")).toBe(true);
    }
    // The crashes must actually have landed mid-run sometimes, or this test proves nothing.
    expect(interruptedTotal).toBeGreaterThan(0);
  }, 120_000);

  it("keeps a finished HTTP step finished when the object dies while another branch waits on the network", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: One branch waits}
nodes:
  split: {type: transform, params: {script: "return 1"}, next: {default: [fast, slow]}}
  fast: {type: http.request, params: {url: "${HTTP}/hit/\${execution.id}-fast"}, next: {default: after}}
  after: {type: transform, params: {script: "return 'after fast'"}, next: {default: join}}
  slow: {type: http.request, params: {url: "${HTTP}/slow/1500"}, next: {default: join}}
  join: {type: transform, params: {script: "return Object.keys(input).sort()"}}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    // Wait until the fast branch is done, then crash while the slow request is in flight.
    for (let i = 0; i < 100 && (await hits(`${run.id}-fast`)) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await crash(run.id);
    const done = await recover(user, run.id);
    expect(done).toMatchObject({ status: "completed", output: ["after", "slow"] });
    expect(await hits(`${run.id}-fast`)).toBe(1);
  });

  it("resumes a waiting run after a crash and keeps its timers", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Sleep through a crash}
nodes:
  nap: {type: delay, params: {duration: 300ms}, next: {default: done}}
  done: {type: transform, params: {script: "return 'woke'"}}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    expect((await getExecution(user, run.id, 0.1)).status).toBe("waiting");
    await crash(run.id);
    await new Promise((r) => setTimeout(r, 350));
    const done = await recover(user, run.id);
    expect(done).toMatchObject({ status: "completed", output: "woke" });
  });
});

describe("load", () => {
  it("finishes 100 concurrent executions", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Many}
nodes:
  a: {type: transform, params: {script: "return { n: input.n }"}, next: {default: [b, c]}}
  b: {type: transform, params: {script: "return input.n * 2"}, next: {default: d}}
  c: {type: transform, params: {script: "return input.n * 3"}, next: {default: d}}
  d: {type: transform, params: {script: "return input.b + input.c"}}
`,
    );
    const runs = await Promise.all(Array.from({ length: 100 }, (_, n) => runFlow(user, flow, { n }, 20)));
    expect(runs.map((r) => r.status)).toEqual(Array(100).fill("completed"));
    expect(runs.map((r) => r.output)).toEqual(Array.from({ length: 100 }, (_, n) => n * 5));
  }, 120_000);
});
