/**
 * ctx.waitForEvent through the real engine and lifecycle: a node pauses its run until an event comes,
 * then its visit runs again, replaying its sub-steps up to the wait. `test.pause` counts every
 * sub-step call, so "not repeated" is a count.
 */
import { describe, expect, it, vi } from "vitest";
import { FakeClock } from "../../helpers/engine-host";
import { callsOf, toolGates } from "../../helpers/pause-node";
import { FlowHarness, runFlow } from "../../helpers/run-flow";
import { eventsOf, flow, trail, transform } from "./helpers";

vi.mock("../../../src/nodes/specs", async (original) => (await import("../../helpers/pause-node")).withPauseSpec(await original()));
vi.mock("../../../src/nodes/registry", async (original) => (await import("../../helpers/pause-node")).withPauseNode(await original()));

let runs = 0;
/** Each run its own id: the sub-step counters are kept by execution id. */
const nextId = () => `exe_pause_${++runs}`;

const approval = (params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  flow({
    ask: { type: "test.pause", params: { events: ["approve_tool"], ...params }, next: { default: "after" }, ...extra },
    after: transform("input"),
  });

async function start(yaml: string, input: unknown = { q: "weather" }, options: Parameters<typeof FlowHarness.start>[2] = {}) {
  const id = nextId();
  const harness = await FlowHarness.start(yaml, input as never, { id, ...options });
  return { id, harness };
}

describe("ctx.waitForEvent", () => {
  it("pauses the run with what the node shows, and resumes the same visit without repeating sub-steps", async () => {
    const { id, harness } = await start(approval());
    const waiting = await harness.settle(false);
    expect(waiting.status).toBe("waiting");
    const [token] = harness.store.tokens();
    expect(token).toMatchObject({
      node_id: "ask",
      state: "waiting_event",
      pending: { event: "approve_tool", resume: { key: "event:approve_tool#1", data: { tool: "search", arguments: { q: "weather" } } } },
    });
    const [wait] = eventsOf(harness.result().events, "step.waiting");
    expect(wait!.data).toEqual({ event: "approve_tool", timeout_at: null, data: { tool: "search", arguments: { q: "weather" } } });
    expect(callsOf(id, "model")).toBe(1);
    expect(callsOf(id, "tool")).toBe(0);

    expect(await harness.engine.sendEvent("approve_tool", { approve: true })).toBe(1);
    const { state, steps, events } = harness.result();
    expect(state.status).toBe("completed");
    expect(state.output).toEqual({
      proposal: { tool: "search", arguments: { q: "weather" } },
      answers: [{ received: true, payload: { approve: true } }],
    });
    expect(callsOf(id, "model")).toBe(1);
    expect(callsOf(id, "tool")).toBe(1);
    // One step record for the visit, one attempt: a resume is neither a new step nor a retry.
    expect(trail(steps)).toEqual(["ask:completed", "after:completed"]);
    expect(steps[0]!.attempt).toBe(1);
    expect(state.step_count).toBe(2);
    expect(events.map((e) => e.type).filter((t) => t.startsWith("step."))).toEqual([
      "step.started",
      "step.waiting",
      "step.resumed",
      "step.completed",
      "step.started",
      "step.completed",
    ]);
    // A completion after a wait carries no duration of its own run (the record's times span the wait).
    expect(eventsOf(events, "step.completed")[0]!.data).not.toHaveProperty("duration_ms");
    expect(harness.store.tokens()).toEqual([]);
  });

  it("takes an event posted before the node reached the wait, without pausing", async () => {
    const { id, harness } = await start(
      flow({
        first: { type: "delay", params: { duration: "1m" }, next: { default: "ask" } },
        ask: { type: "test.pause", params: { events: ["approve_tool"] } },
      }),
    );
    await harness.settle(false);
    expect(await harness.engine.sendEvent("approve_tool", { approve: false, reason: "no" })).toBe(0);
    const state = await harness.settle();
    expect(state.status).toBe("completed");
    expect(state.output).toMatchObject({ answers: [{ received: true, payload: { approve: false, reason: "no" } }] });
    expect(eventsOf(harness.result().events, "step.waiting").map((e) => e.node_id)).toEqual(["first"]);
    expect(callsOf(id, "tool")).toBe(1);
    // The event was used up: another run of the node would wait again.
    expect(harness.store.takeInbox("approve_tool")).toBeUndefined();
  });

  it("goes on with timed_out when the timeout passes first, on the run's alarm", async () => {
    const clock = new FakeClock();
    const { id, harness } = await start(approval({ timeout: "1h" }), null, { clock });
    await harness.settle(false);
    const created = clock.now();
    expect(harness.host.alarm).toBe(created + 3_600_000);
    expect(eventsOf(harness.result().events, "step.waiting")[0]!.data).toMatchObject({
      timeout_at: new Date(created + 3_600_000).toISOString(),
    });
    await harness.advance(3_600_000 - 1);
    expect(harness.engine.current()!.status).toBe("waiting");
    await harness.advance(1);
    const state = await harness.settle(false);
    expect(state.status).toBe("completed");
    expect(state.output).toMatchObject({ answers: [{ received: false, timed_out: true }] });
    expect(callsOf(id, "model")).toBe(1);
    expect(harness.host.alarm).toBeNull();
    // A late event finds nothing waiting; it is kept, as any event is, and changes nothing.
    expect(await harness.engine.sendEvent("approve_tool", { approve: true })).toBe(0);
  });

  it("counts waits of one name apart: the second wait of a visit pauses again", async () => {
    const { id, harness } = await start(approval({ events: ["approve_tool", "approve_tool"] }));
    await harness.settle(false);
    expect(await harness.engine.sendEvent("approve_tool", "first")).toBe(1);
    expect(harness.engine.current()!.status).toBe("waiting");
    expect(harness.store.tokens()[0]!.pending).toMatchObject({ resume: { key: "event:approve_tool#2" } });
    expect(callsOf(id, "tool")).toBe(1);
    expect(await harness.engine.sendEvent("approve_tool", "second")).toBe(1);
    const { state, steps, events } = harness.result();
    expect(state.output).toMatchObject({ answers: [{ payload: "first" }, { payload: "second" }] });
    expect([callsOf(id, "model"), callsOf(id, "tool")]).toEqual([1, 2]);
    expect(trail(steps)).toEqual(["ask:completed", "after:completed"]);
    expect(eventsOf(events, "step.waiting")).toHaveLength(2);
    expect(eventsOf(events, "step.resumed")).toHaveLength(2);
  });

  it("stops a paused node when the run is cancelled", async () => {
    const { id, harness } = await start(approval({ timeout: "1h" }));
    await harness.settle(false);
    const state = await harness.engine.cancel();
    expect(state!.status).toBe("cancelled");
    expect(trail(harness.result().steps)).toEqual(["ask:cancelled"]);
    expect(harness.store.tokens()).toEqual([]);
    expect(harness.host.alarm).toBeNull();
    await harness.engine.sendEvent("approve_tool", { approve: true });
    await harness.settle();
    expect(callsOf(id, "tool")).toBe(0);
    expect(harness.engine.current()!.status).toBe("cancelled");
  });

  it("closes the step of a visit about to go on when the run ends before it does", async () => {
    const { id, harness } = await start(
      flow({
        split: transform("input", { default: ["left", "right"] }),
        left: { type: "test.pause", params: { events: ["approve_tool"] } },
        right: { type: "test.pause", params: { events: ["go_right"] } },
      }),
    );
    await harness.settle(false);
    let release = () => {};
    toolGates.set(id, new Promise<void>((resolve) => (release = resolve)));
    // The right branch goes on and is held inside its tool call, so the drive cannot pick up more yet.
    const right = harness.engine.sendEvent("go_right", 1);
    await vi.waitFor(() => expect(callsOf(id, "tool")).toBe(1));
    const left = harness.engine.sendEvent("approve_tool", 2);
    await vi.waitFor(() =>
      expect(harness.store.tokens().find((t) => t.node_id === "left")).toMatchObject({ state: "ready", pending: { resume: true } }),
    );
    await harness.engine.cancel();
    release();
    toolGates.delete(id);
    await Promise.all([right, left]);
    expect(trail(harness.result().steps)).toEqual(["split:completed", "left:cancelled", "right:cancelled"]);
    expect(callsOf(id, "tool")).toBe(1);
  });

  it("keeps the event across a retry: the next attempt replays the wait and the model call", async () => {
    const { id, harness } = await start(approval({ fail_first_tool: true }, { retry: { max_retries: 2, wait: "1s" } }));
    await harness.settle(false);
    await harness.engine.sendEvent("approve_tool", { approve: true });
    const state = await harness.settle();
    expect(state.status).toBe("completed");
    const steps = harness.result().steps.filter((s) => s.node_id === "ask");
    expect(steps.map((s) => [s.attempt, s.status])).toEqual([
      [1, "retrying"],
      [2, "completed"],
    ]);
    expect([callsOf(id, "model"), callsOf(id, "tool")]).toEqual([1, 2]);
    expect(eventsOf(harness.result().events, "step.waiting")).toHaveLength(1);
  });

  it("resumes after a crash right after the event without repeating a completed sub-step", async () => {
    const { id, harness } = await start(approval());
    await harness.settle(false);
    let release = () => {};
    toolGates.set(id, new Promise<void>((resolve) => (release = resolve)));
    const delivered = harness.engine.sendEvent("approve_tool", { approve: true });
    // The resumed visit has replayed the model call and the wait and is inside the tool call.
    await vi.waitFor(() => expect(callsOf(id, "tool")).toBe(1));
    await harness.crash();
    toolGates.delete(id);
    release();
    await delivered.catch(() => undefined);
    const state = await harness.settle();
    expect(state.status).toBe("completed");
    expect(state.output).toMatchObject({ answers: [{ received: true, payload: { approve: true } }] });
    // The model call completed before the crash and is never made again; the tool call in flight
    // runs again (at-least-once for the one sub-step that was running), and the wait is not repeated.
    expect(callsOf(id, "model")).toBe(1);
    expect(callsOf(id, "tool")).toBe(2);
    const { steps, events } = harness.result();
    expect(steps.map((s) => [s.node_id, s.attempt, s.status, s.error?.code ?? null])).toEqual([
      ["ask", 1, "failed", "interrupted"],
      ["ask", 1, "completed", null],
      ["after", 1, "completed", null],
    ]);
    expect(eventsOf(events, "step.waiting")).toHaveLength(1);
  });

  it("resumes every branch that waits for the name with the same payload", async () => {
    const { harness } = await start(
      flow({
        split: transform("input", { default: ["left", "right"] }),
        left: { type: "test.pause", params: { events: ["approve_tool"] } },
        right: { type: "test.pause", params: { events: ["approve_tool"] } },
      }),
    );
    await harness.settle(false);
    expect(harness.store.tokens().map((t) => t.state)).toEqual(["waiting_event", "waiting_event"]);
    expect(await harness.engine.sendEvent("approve_tool", "yes")).toBe(2);
    const { state } = harness.result();
    expect(state.output).toMatchObject({ left: { answers: [{ payload: "yes" }] }, right: { answers: [{ payload: "yes" }] } });
  });

  it("redacts secrets from what a paused node shows", async () => {
    const { harness } = await start(approval({ note: "key ${secrets.API_KEY}" }), null, { secrets: { API_KEY: "sk-live-123456" } });
    await harness.settle(false);
    const shown = JSON.stringify([harness.store.tokens(), harness.result().events]);
    expect(shown).toContain("key [REDACTED]");
    expect(shown).not.toContain("sk-live-123456");
  });

  it("applies what its prep hook does to shared once, when the visit finishes", async () => {
    const prep = "shared.preps = (shared.preps ?? 0) + 1; return {}";
    const { harness } = await start(approval({}, { hooks: { prep } }));
    await harness.settle(false);
    expect(harness.engine.current()!.shared).toEqual({});
    await harness.engine.sendEvent("approve_tool", { approve: true });
    expect(harness.engine.current()).toMatchObject({ status: "completed", shared: { preps: 1 } });
  });

  it("refuses to wait inside a batch item", async () => {
    const { state } = await runFlow(flow({ each: { type: "test.pause", params: { events: ["approve_tool"] }, batch: {} } }), [1, 2], {
      id: nextId(),
    });
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ code: "invalid_batch", message: expect.stringContaining("batch") });
  });
});
