/** `flow` triggers: a run's end starts the flows that watch its flow, with its output as their input. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ExecutionState } from "../../src/engine/types";
import { MAX_FLOW_DEPTH } from "../../src/objects/execution/children";
import { runEventDispatch } from "../../src/objects/execution/dispatch";
import { summaryOf } from "../../src/objects/execution/views";
import { createStorage } from "../../src/storage";
import type { ExecutionSummaryView } from "../../src/services/execution-schemas";
import { call, getExecution, runFlow, saveFlow, signUp, yaml, type ExecutionBody, type TestUser } from "../helpers/api";
import { createWebhook, deliveriesUntil, eventually, HTTP, received } from "../helpers/webhooks";

const SOURCE = yaml`
metadata: {name: Source}
nodes:
  make: {type: transform, params: {script: "if (input.fail) throw new Error('source failed'); return { total: input.n * 2 }"}}
`;

const WAITING = yaml`
metadata: {name: Waiting source}
nodes:
  ask: {type: wait, params: {type: event, event: go}}
`;

/** A flow that answers with its input, started when a run of `watched` ends one of the `on` ways. */
const watcher = (name: string, watched: string, on = "[completed]", extra = "") => yaml`
metadata: {name: ${name}}
triggers:
  - {id: after, type: flow, flow_id: ${watched}, on: ${on}${extra}}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

async function put(user: TestUser, flowId: string, content: string): Promise<void> {
  const res = await call(`/api/v1/flows/${flowId}`, {
    method: "PUT",
    headers: { ...user.auth, "Content-Type": "application/yaml" },
    body: content,
  });
  expect(res.status, await res.text()).toBe(200);
}

async function runsOf(user: TestUser, flowId: string): Promise<ExecutionSummaryView[]> {
  const res = await call(`/api/v1/executions?flow_id=${flowId}&limit=100`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { executions: ExecutionSummaryView[] }).executions;
}

type Run = ExecutionBody & { input: unknown };

/** Waits for `count` runs of the flow and for each to end; answers them in full, oldest first. */
async function finishedRuns(user: TestUser, flowId: string, count: number): Promise<Run[]> {
  const runs = await eventually(async () => {
    const list = await runsOf(user, flowId);
    expect(list.length).toBe(count);
    return list;
  });
  const full = (await Promise.all(runs.map((r) => getExecution(user, r.id, 10)))) as Run[];
  return full.reverse();
}

/** Lets background dispatch finish, then checks nothing more started. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
}

describe("flow triggers", () => {
  it("starts the watching flow when a run completes, with the run's facts and output as input", async () => {
    const user = await signUp();
    const source = await saveFlow(user, SOURCE);
    const target = await saveFlow(user, watcher("Target", source));
    const trigger = ((await (await call(`/api/v1/flows/${target}`, { headers: user.auth })).json()) as { triggers: { id: string }[] })
      .triggers[0]!.id;

    const first = await runFlow(user, source, { n: 21 });
    expect(first.status).toBe("completed");
    const [started] = await finishedRuns(user, target, 1);
    expect(started!.status).toBe("completed");
    expect(started!.input).toEqual({
      execution: { id: first.id, flow_id: source, flow_version: 1, status: "completed", trigger: "api" },
      output: { total: 42 },
      error: null,
    });
    expect(started!.output).toEqual(started!.input);
    const summary = (await runsOf(user, target))[0]!;
    expect(summary.trigger).toBe(`flow:${trigger}`);
    const byTrigger = await call(`/api/v1/executions?trigger_id=${trigger}`, { headers: user.auth });
    expect(((await byTrigger.json()) as { executions: { id: string }[] }).executions.map((e) => e.id)).toEqual([started!.id]);

    // One run per source run.
    await runFlow(user, source, { n: 1 });
    const both = await finishedRuns(user, target, 2);
    expect(both.map((r) => (r.input as { output: { total: number } }).output.total)).toEqual([42, 2]);
    await settle();
    expect(await runsOf(user, target)).toHaveLength(2);
  });

  it("on: [failed] starts on failures only, with the error", async () => {
    const user = await signUp();
    const source = await saveFlow(user, SOURCE);
    const onFailure = await saveFlow(user, watcher("On failure", source, "[failed]"));

    await runFlow(user, source, { n: 1 });
    const failed = await runFlow(user, source, { fail: true });
    expect(failed.status).toBe("failed");
    const [started] = await finishedRuns(user, onFailure, 1);
    expect(started!.input).toMatchObject({
      execution: { id: failed.id, status: "failed" },
      output: null,
      error: { code: expect.any(String), message: expect.stringContaining("source failed"), node_id: "make" },
    });
    await settle();
    expect(await runsOf(user, onFailure)).toHaveLength(1);
  });

  it("starts once per status for waiting and cancelled", async () => {
    const user = await signUp();
    const source = await saveFlow(user, WAITING);
    const watcherFlow = await saveFlow(user, watcher("On wait and cancel", source, "[waiting, cancelled]"));
    const parked = await runFlow(user, source, {}, 0);
    await finishedRuns(user, watcherFlow, 1);
    await call(`/api/v1/executions/${parked.id}`, { method: "DELETE", headers: user.auth });
    const runs = await finishedRuns(user, watcherFlow, 2);
    expect(runs.map((r) => (r.input as { execution: { status: string } }).execution.status)).toEqual(["waiting", "cancelled"]);
  });

  it("starts nothing while the watching flow is disabled, or the trigger is declared disabled", async () => {
    const user = await signUp();
    const source = await saveFlow(user, SOURCE);
    const target = await saveFlow(user, watcher("Switched", source));
    const declaredOff = await saveFlow(user, watcher("Declared off", source, "[completed]", ", enabled: false"));
    expect((await call(`/api/v1/flows/${target}/disable`, { method: "POST", headers: user.auth })).status).toBe(200);

    await runFlow(user, source, { n: 1 });
    await settle();
    expect(await runsOf(user, target)).toEqual([]);

    expect((await call(`/api/v1/flows/${target}/enable`, { method: "POST", headers: user.auth })).status).toBe(200);
    const later = await runFlow(user, source, { n: 2 });
    const [started] = await finishedRuns(user, target, 1);
    expect((started!.input as { execution: { id: string } }).execution.id).toBe(later.id);
    expect(await runsOf(user, declaredOff)).toEqual([]);
  });

  it(`stops a loop of flows that start each other at the depth limit (${MAX_FLOW_DEPTH})`, async () => {
    const user = await signUp();
    const a = await saveFlow(user, SOURCE);
    const b = await saveFlow(user, watcher("Ping", a));
    await put(user, a, watcher("Pong", b));

    await runFlow(user, a, { n: 1 });
    // The first run and one per level up to the limit; each run echoes its input, so the chain carries on.
    const expected = MAX_FLOW_DEPTH + 1;
    await eventually(async () => {
      const total = (await runsOf(user, a)).length + (await runsOf(user, b)).length;
      expect(total).toBe(expected);
    }, 400);
    await settle();
    const all = [...(await runsOf(user, a)), ...(await runsOf(user, b))];
    expect(all).toHaveLength(expected);
    expect(all.filter((r) => r.trigger.startsWith("flow:"))).toHaveLength(MAX_FLOW_DEPTH);
    expect(all.every((r) => r.status === "completed")).toBe(true);
  });

  it("a flow that triggers itself stops at the depth limit too", async () => {
    const user = await signUp();
    const self = await saveFlow(user, SOURCE);
    await put(user, self, watcher("Self", self));
    await runFlow(user, self, { n: 1 });
    await eventually(async () => expect(await runsOf(user, self)).toHaveLength(MAX_FLOW_DEPTH + 1), 400);
    await settle();
    expect(await runsOf(user, self)).toHaveLength(MAX_FLOW_DEPTH + 1);
  });

  it("never watches another account's flows", async () => {
    const owner = await signUp();
    const other = await signUp();
    const source = await saveFlow(owner, SOURCE);
    const spy = await saveFlow(other, watcher("Spy", source));
    await runFlow(owner, source, { n: 1 });
    await settle();
    expect(await runsOf(other, spy)).toEqual([]);
    // The owner's own watcher does run, so the dispatch happened.
    const mine = await saveFlow(owner, watcher("Mine", source));
    await runFlow(owner, source, { n: 2 });
    await finishedRuns(owner, mine, 1);
    expect(await runsOf(other, spy)).toEqual([]);
  });

  it("a repeated dispatch of the same end (an object restarted) starts one run and sends one delivery", async () => {
    const user = await signUp();
    const source = await saveFlow(user, SOURCE);
    const target = await saveFlow(user, watcher("Once", source));
    const key = crypto.randomUUID();
    const hook = await createWebhook(user, { url: `${HTTP}/inspect/${key}`, events: ["execution.completed"], flow_id: source });
    const run = await runFlow(user, source, { n: 5 });
    await finishedRuns(user, target, 1);
    await deliveriesUntil(user, hook.id, (log) => log[0]?.status === "delivered", { fireAlarm: false });

    // What a new execution object would do on writing the final row again: dispatch it once more, twice.
    const state = { ...(run as unknown as ExecutionState), account_id: user.account_id, flow_id: source, flow_version: 1, depth: 0 };
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 2; i++) {
      const dispatch = runEventDispatch(env, createStorage(env), env.JWT_SECRET!, (work) => pending.push(work));
      dispatch.transitioned(state, summaryOf(state, [], new Date().toISOString(), 0), Promise.resolve());
    }
    await Promise.all(pending);
    await settle();
    expect(await runsOf(user, target)).toHaveLength(1);
    const log = await deliveriesUntil(user, hook.id, (l) => l.length === 1, { fireAlarm: false });
    expect(log[0]!.attempt_count).toBe(1);
    expect(await received(key)).toHaveLength(1);
  });
});
