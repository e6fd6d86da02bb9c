import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../helpers/engine-host";
import { FlowHarness, runFlow } from "../../helpers/run-flow";
import { eventsOf, flow, trail, transform } from "./helpers";
import { startServer } from "./http-server";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => (server = await startServer()));
afterAll(() => server.close());

describe("batch", () => {
  it("runs a node per item, serially or in parallel, with outputs in item order", async () => {
    // Earlier items answer later: completion order is the reverse of item order.
    const items = [3, 2, 1].map((n) => ({ v: n, delay: n * 20 }));
    for (const strategy of ["serial", "parallel"]) {
      const { state, steps } = await runFlow(
        flow({
          each: {
            type: "http.request",
            params: { url: `${server.base}/value/\${input.v}?delay=\${input.delay}` },
            batch: { items: "${input}", strategy, max_parallel: 3 },
          },
        }),
        items,
      );
      expect(state.status, strategy).toBe("completed");
      expect((state.output as { body: { value: string } }[]).map((o) => o.body.value)).toEqual(["3", "2", "1"]);
      expect(steps, "one step for the whole batch").toHaveLength(1);
    }
  });

  it("fails the step when an item fails", async () => {
    const { state } = await runFlow(
      flow({ each: { type: "transform", params: { script: "if (input === 2) throw new Error('bad item'); return input" }, batch: {} } }),
      [1, 2, 3],
    );
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ code: "script_runtime", message: expect.stringContaining("bad item") });
  });
});

describe("waits", () => {
  it("sleeps a delay on the alarm and passes its input on", async () => {
    const clock = new FakeClock(Date.now());
    const harness = await FlowHarness.start(
      flow({ pause: { type: "delay", params: { duration: "1h" }, next: { default: "after" } }, after: transform("input") }),
      "kept",
      {
        clock,
      },
    );
    let state = await harness.settle(false);
    expect(state.status).toBe("waiting");
    const until = Date.parse((eventsOf(harness.result().events, "step.waiting")[0]!.data as { until: string }).until);
    expect(harness.host.alarm).toBe(until);
    expect(until - Date.parse(state.created_at)).toBeGreaterThanOrEqual(3_600_000);
    expect(until - Date.parse(state.created_at)).toBeLessThan(3_600_000 + 5_000);
    await harness.advance(until - clock.now() - 1);
    expect(harness.engine.current()!.status).toBe("waiting");
    await harness.advance(1);
    state = await harness.settle(false);
    expect(state.status).toBe("completed");
    expect(state.output).toBe("kept");
    expect(trail(harness.result().steps)).toEqual(["pause:completed", "after:completed"]);
  });

  it("waits until a time, or not at all when it is past", async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const at = "2030-01-01T06:00:00Z";
    const later = await runFlow(flow({ w: { type: "wait", params: { type: "until_time", time: at } } }), 1, { clock });
    expect(later.state.status).toBe("completed");
    expect(later.state.finished_at).toBe("2030-01-01T06:00:00.000Z");
    const past = await FlowHarness.start(flow({ w: { type: "wait", params: { type: "until_time", time: "2020-01-01T00:00:00Z" } } }), 1, {
      clock: new FakeClock(Date.UTC(2030, 0, 1)),
    });
    await past.settle();
    expect(past.engine.current()!.finished_at).toBe("2030-01-01T00:00:00.000Z");
  });

  const approval = flow({
    ask: { type: "wait", params: { type: "event", event: "approve", timeout: "1h" }, next: { default: "yes", timeout: "late" } },
    yes: transform("({ approved: input })"),
    late: transform("({ late: input })"),
  });

  it("resumes on the event with its payload", async () => {
    const harness = await FlowHarness.start(approval, null);
    expect((await harness.settle(false)).status).toBe("waiting");
    expect(harness.engine.current()!.status).toBe("waiting");
    expect(await harness.engine.sendEvent("other", 1)).toBe(0);
    expect(await harness.engine.sendEvent("approve", { by: "lee" })).toBe(1);
    const { state } = harness.result();
    expect(state.output).toEqual({ approved: { by: "lee" } });
    expect(harness.host.alarm).toBeNull();
  });

  it("takes the timeout edge when the event does not come in time", async () => {
    const { state } = await runFlow(approval, null);
    expect(state.output).toEqual({ late: { event: "approve", timed_out: true } });
  });

  it("keeps an event sent before anything waits for it, for the first wait", async () => {
    const harness = await FlowHarness.start(
      flow({
        first: { type: "delay", params: { duration: "1m" }, next: { default: "ask" } },
        ask: { type: "wait", params: { type: "event", event: "go" } },
      }),
      null,
    );
    await harness.settle(false);
    expect(await harness.engine.sendEvent("go", "early")).toBe(0);
    const state = await harness.settle();
    expect(state.status).toBe("completed");
    expect(state.output).toBe("early");
  });
});
