import { describe, expect, it } from "vitest";
import type { StepRequest } from "../../../src/engine/host";
import { NodeError, type NodeOutcome } from "../../../src/engine/outcome";
import type { JsonValue } from "../../../src/lib/json";
import { FlowHarness, runFlow, type StepDouble } from "../../helpers/run-flow";
import { flow, trail, transform } from "./helpers";

const done = (output: JsonValue, action = "default"): NodeOutcome => ({ kind: "done", action, output });

/** A promise the test settles, for steps that must still be in flight when the object "crashes". */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Counts calls by name. */
const counter = () => {
  const counts: Record<string, number> = {};
  return { counts, hit: (name: string) => (counts[name] = (counts[name] ?? 0) + 1) };
};

/** Waits until `check` holds (the engine runs on promises: a few turns of the event loop). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
}

const chain = flow({ a: transform("1", { default: "b" }), b: transform("2", { default: "c" }), c: transform("3") });

describe("effects per call (beforeEffect)", () => {
  it("holds a pure step's writes: after a crash the pure steps run again from their tokens", async () => {
    const { counts, hit } = counter();
    const hold = gate();
    const steps: Record<string, StepDouble> = {
      a: async () => (hit("a"), done(1)),
      b: async () => (hit("b"), done(2)),
      c: async () => {
        if (hit("c") === 1) await hold.opened;
        return done(3);
      },
    };
    const harness = await FlowHarness.start(chain, null, { steps });
    const running = harness.settle();
    await until(() => counts.c === 1);
    await harness.crash();
    hold.open();
    await running;
    const state = await harness.settle();
    expect(state.status).toBe("completed");
    expect(counts).toEqual({ a: 2, b: 2, c: 2 });
    // Nothing of the first pass survived: no step records, so none says interrupted.
    expect(trail(harness.result().steps)).toEqual(["a:completed", "b:completed", "c:completed"]);
  });

  it("makes an effect step's start durable first: after a crash only it runs again, recorded as interrupted", async () => {
    const { counts, hit } = counter();
    const hold = gate();
    const steps: Record<string, StepDouble> = {
      a: async () => (hit("a"), done(1)),
      b: async (request) => {
        const flushes = harness.store.flushes;
        await request.beforeEffect();
        expect(harness.store.flushes).toBe(flushes + 1);
        await request.beforeEffect(); // idempotent: no second flush
        expect(harness.store.flushes).toBe(flushes + 1);
        if (hit("b") === 1) await hold.opened;
        return done(2);
      },
      c: async () => (hit("c"), done(3)),
    };
    const harness = await FlowHarness.start(chain, null, { steps });
    const running = harness.settle();
    await until(() => counts.b === 1);
    await harness.crash();
    hold.open();
    await running;
    const state = await harness.settle();
    expect(state.status).toBe("completed");
    expect(counts).toEqual({ a: 1, b: 2, c: 1 });
    const records = harness.result().steps;
    expect(trail(records)).toEqual(["a:completed", "b:failed", "b:completed", "c:completed"]);
    expect(records[1]!.error).toMatchObject({ code: "interrupted" });
    expect(records[2]!.attempt).toBe(1);
  });

  it("rejects beforeEffect once the run has ended", async () => {
    let rejection: unknown;
    const harness = await FlowHarness.start(flow({ a: transform("1") }), null, {
      steps: {
        a: async (request) => {
          await harness.engine.cancel();
          rejection = await request.beforeEffect().catch((e: unknown) => e);
          return done(1);
        },
      },
    });
    await harness.settle();
    expect(rejection).toBeInstanceOf(NodeError);
    expect((rejection as NodeError).code).toBe("cancelled");
    expect(harness.engine.current()!.status).toBe("cancelled");
  });
});

/**
 * A node making two memoized calls (`one`, `two`), counting the real ones; `during` runs inside each
 * call, after its beforeEffect; `afterOne` between the calls.
 */
function memoizing(
  hit: (name: string) => number,
  afterOne: (request: StepRequest) => Promise<void> = async () => {},
  during: (key: string) => Promise<void> = async () => {},
): StepDouble {
  return async (request) => {
    const call = async (key: string): Promise<JsonValue> => {
      const memo = request.memo.get(key);
      if (memo) return memo.value;
      await request.beforeEffect();
      await during(key);
      const value = `${key}#${hit(key)}`;
      request.memo.put(key, value);
      return value;
    };
    const one = await call("one");
    await afterOne(request);
    const two = await call("two");
    return done([one, two]);
  };
}

describe("sub-steps (memo)", () => {
  it("survive a crash: the restarted attempt does not repeat a completed call", async () => {
    const { counts, hit } = counter();
    const hold = gate();
    const yaml = flow({ agent: transform("null") });
    const harness = await FlowHarness.start(yaml, null, {
      steps: {
        // The crash comes during the second call: the first one's memo was made durable by the
        // second call's beforeEffect.
        agent: memoizing(hit, undefined, async (key) => {
          if (key === "two" && hit("crashed") === 1) await hold.opened;
        }),
      },
    });
    const running = harness.settle();
    await until(() => counts.crashed === 1);
    await harness.crash();
    // The abandoned attempt never goes on (the object that ran it is gone).

    await running;
    const state = await harness.settle();
    expect(state.output).toEqual(["one#1", "two#1"]);
    expect(counts.one).toBe(1);
    expect(counts.crashed).toBe(2);
    expect(trail(harness.result().steps)).toEqual(["agent:failed", "agent:completed"]);
  });

  it("are lost with a crash when no effect flushed them (the call then runs again)", async () => {
    const { counts, hit } = counter();
    const hold = gate();
    const harness = await FlowHarness.start(flow({ agent: transform("null") }), null, {
      steps: {
        agent: async (request) => {
          if (!request.memo.get("k")) request.memo.put("k", hit("k"));
          if (hit("runs") === 1) await hold.opened;
          return done(request.memo.get("k")!.value);
        },
      },
    });
    const running = harness.settle();
    await until(() => counts.runs === 1);
    await harness.crash();
    hold.open();
    await running;
    expect((await harness.settle()).output).toBe(2);
  });

  it("are reused by a retry of the node, and removed when the branch moves on", async () => {
    const { counts, hit } = counter();
    let tokenId = -1;
    const harness = await FlowHarness.start(
      flow({ agent: { ...transform("null", { default: "next" }), retry: { max_retries: 2, wait: "1s" } }, next: transform("input") }),
      null,
      {
        steps: {
          agent: memoizing(hit, async (request) => {
            tokenId = request.token.id;
            if (request.token.attempt === 1) throw new NodeError("flaky", "fails once");
          }),
        },
      },
    );
    const state = await harness.settle();
    expect(state.output).toEqual(["one#1", "two#1"]);
    expect(counts).toEqual({ one: 1, two: 1 });
    expect(trail(harness.result().steps)).toEqual(["agent:retrying", "agent:completed", "next:completed"]);
    expect(harness.store.memo(tokenId, "one")).toBeUndefined();
  });

  it("start afresh on the node's next visit (a new branch position)", async () => {
    const { counts, hit } = counter();
    const yaml = flow(
      {
        agent: { ...transform("null"), next: { default: "check" } },
        check: {
          type: "condition",
          params: { condition_script: "return results.agent[0] === 'one#1' ? 'again' : 'done'" },
          next: { again: "agent" },
        },
      },
      { start: "agent" },
    );
    const { state } = await runFlow(yaml, null, { steps: { agent: memoizing(hit) } });
    expect(state.status).toBe("completed");
    expect(counts).toEqual({ one: 2, two: 2 });
  });
});

describe("ephemeral events and child runs", () => {
  it("pushes emitted events to the host's watchers without storing them", async () => {
    const { state, events, ephemeral, harness } = await runFlow(flow({ talk: transform("null") }), null, {
      steps: {
        talk: async (request) => {
          request.emit("progress", { done: 1 });
          request.emit("progress", { done: 2 });
          return done("said");
        },
      },
    });
    expect(state.output).toBe("said");
    expect(ephemeral).toEqual([
      { type: "progress", node_id: "talk", at: new Date(harness.clock.now()).toISOString(), data: { done: 1 } },
      { type: "progress", node_id: "talk", at: new Date(harness.clock.now()).toISOString(), data: { done: 2 } },
    ]);
    expect(JSON.stringify(events)).not.toContain("progress");
  });

  it("tells a step whether anyone watches the run live", async () => {
    const seen: boolean[] = [];
    const harness = await FlowHarness.start(flow({ a: transform("1", { default: "b" }), b: transform("2") }), null, {
      steps: {
        a: async (request) => {
          seen.push(request.watched());
          harness.host.watching = true;
          return done(1);
        },
        b: async (request) => (seen.push(request.watched()), done(2)),
      },
    });
    await harness.settle();
    expect(seen).toEqual([false, true]);
  });

  it("runs a child flow durably: a retry finds the same child instead of starting another", async () => {
    const { counts, hit } = counter();
    const child = flow({ double: transform("input * 2") });
    const { state, harness } = await runFlow(flow({ parent: { ...transform("null"), retry: { max_retries: 1, wait: "1s" } } }), null, {
      flows: { child },
      steps: {
        parent: async (request) => {
          hit("attempts");
          const result = await request.runChild("tool", { flowId: "child", input: 21 }, request.signal);
          if (request.token.attempt === 1) throw new NodeError("flaky", "after the child");
          return done(result.output);
        },
      },
    });
    expect(state.output).toBe(42);
    expect(counts.attempts).toBe(2);
    expect(harness["children"].size).toBe(1);
  });

  it("rejects a child of a flow that does not exist", async () => {
    const { state } = await runFlow(flow({ parent: transform("null") }), null, {
      steps: { parent: async (request) => done((await request.runChild("k", { flowId: "missing", input: null }, request.signal)).output) },
    });
    expect(state.error).toMatchObject({ code: "flow_not_found" });
  });
});

describe("cancel", () => {
  it("stops waiting branches and aborts steps in flight", async () => {
    let aborted: unknown;
    const harness = await FlowHarness.start(
      flow({
        start: transform("null", { default: ["wait", "busy"] }),
        wait: { type: "wait", params: { type: "event", event: "x", timeout: "1h" } },
        busy: transform("null"),
      }),
      null,
      {
        steps: {
          busy: (request) =>
            new Promise<NodeOutcome>((_, reject) =>
              request.signal.addEventListener("abort", () => {
                aborted = request.signal.reason;
                reject(request.signal.reason);
              }),
            ),
        },
      },
    );
    const running = harness.settle(false);
    await until(
      () => harness.store.tokens().some((t) => t.state === "waiting_event") && harness.store.tokens().some((t) => t.state === "running"),
    );
    const state = await harness.engine.cancel();
    await running;
    expect(state!.status).toBe("cancelled");
    expect(state!.error).toMatchObject({ code: "cancelled", node_id: "" });
    expect((aborted as NodeError).code).toBe("cancelled");
    expect(trail(harness.result().steps).sort()).toEqual(["busy:cancelled", "start:completed", "wait:cancelled"]);
    expect(harness.host.alarm).toBeNull();
    expect(await harness.engine.sendEvent("x", 1)).toBe(0);
  });
});

describe("usage (addUsage)", () => {
  it("keeps each attempt's reported usage on its step and sums the run's over every step, retries and failures included", async () => {
    let calls = 0;
    const { state, steps, harness } = await runFlow(
      flow({ ask: transform("1", { default: "again" }, { retry: { max_retries: 1, wait: "1s" } }), again: transform("2") }),
      null,
      {
        steps: {
          ask: async (request) => {
            request.addUsage({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
            if (++calls === 1) throw new NodeError("rate_limited", "try later");
            request.addUsage({ prompt_tokens: 5, total_tokens: 5 });
            return done("answer");
          },
          again: async (request) => {
            // Not counters: a bad name, a negative, a non-number, infinity. Nothing is kept.
            request.addUsage({ "Bad Name": 1, prompt_tokens: -1, total_tokens: Number.POSITIVE_INFINITY, ...({ x: "3" } as object) });
            return done("done");
          },
        },
      },
    );
    expect(state.status).toBe("completed");
    expect(steps.map((s) => [s.node_id, s.status, s.usage])).toEqual([
      ["ask", "retrying", { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 }],
      ["ask", "completed", { prompt_tokens: 15, completion_tokens: 2, total_tokens: 17 }],
      ["again", "completed", null],
    ]);
    expect(harness.store.usage()).toEqual({ prompt_tokens: 25, completion_tokens: 4, total_tokens: 29 });
  });

  it("is null for a run whose steps reported none", async () => {
    const { harness } = await runFlow(flow({ a: transform("1") }), null);
    expect(harness.store.usage()).toBeNull();
    expect(harness.result().steps[0]!.usage).toBeNull();
  });
});
