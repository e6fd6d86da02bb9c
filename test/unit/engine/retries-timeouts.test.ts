import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFlow } from "../../helpers/run-flow";
import { eventsOf, flow, trail } from "./helpers";
import { startServer } from "./http-server";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => (server = await startServer()));
afterAll(() => server.close());

/** Fails until attempt `succeedOn`, then returns the attempt number. */
const flaky = (succeedOn: number, retry: Record<string, unknown>) => ({
  type: "transform",
  params: { script: `if (execution.attempt < ${succeedOn}) throw new Error('try ' + execution.attempt); return execution.attempt` },
  retry,
});

const startedAt = (steps: { started_at: string }[]) => steps.map((s) => Date.parse(s.started_at));
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe("retries", () => {
  it("retries with a fixed pause on the run's clock, then completes", async () => {
    const { state, steps, events } = await runFlow(flow({ f: flaky(3, { max_retries: 3, wait: "2s" }) }), null);
    expect(state.status).toBe("completed");
    expect(state.output).toBe(3);
    expect(trail(steps)).toEqual(["f:retrying", "f:retrying", "f:completed"]);
    expect(steps.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(eventsOf(events, "step.retrying").map((e) => (e.data as { delay_ms: number }).delay_ms)).toEqual([2000, 2000]);
    expect(gaps(startedAt(steps))).toEqual([2000, 2000]);
  });

  it("backs off exponentially with jitter from the injected randomness, capped by max_wait", async () => {
    const policy = { max_retries: 4, wait: "1s", backoff: "exponential", max_wait: "5s" };
    const low = await runFlow(flow({ f: flaky(99, policy) }), null, { random: () => 0 });
    const high = await runFlow(flow({ f: flaky(99, policy) }), null, { random: () => 1 });
    // Ceilings 1s, 2s, 4s, 5s (capped); the pause is ceiling/2 + random × ceiling/2.
    expect(gaps(startedAt(low.steps))).toEqual([500, 1000, 2000, 2500]);
    expect(gaps(startedAt(high.steps))).toEqual([1000, 2000, 4000, 5000]);
    expect(low.state.status).toBe("failed");
    expect(trail(low.steps).at(-1)).toBe("f:failed");
    expect(low.state.step_count).toBe(5);
  });

  it("does not retry an error that is not retryable", async () => {
    const { state, steps } = await runFlow(
      flow({ f: { type: "transform", params: { script: "return (" }, retry: { max_retries: 3, wait: "1s" } } }),
      null,
    );
    expect(state.error).toMatchObject({ code: "script_syntax" });
    expect(steps).toHaveLength(1);
  });
});

describe("timeouts", () => {
  it("fails an attempt that outlives the node's timeout, and retries it", async () => {
    const { state, steps } = await runFlow(
      flow({
        call: { type: "http.request", params: { url: `${server.base}/hang` }, timeout: "50ms", retry: { max_retries: 1, wait: "1s" } },
      }),
      null,
    );
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ code: "timeout", node_id: "call" });
    expect(trail(steps)).toEqual(["call:retrying", "call:failed"]);
  });

  it("fails the run when the flow's timeout passes, cancelling what waits", async () => {
    const { state, steps, harness } = await runFlow(
      flow({ hold: { type: "wait", params: { type: "event", event: "never" } } }, { timeout: "15m" }),
      null,
    );
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ code: "timeout", node_id: "" });
    expect(trail(steps)).toEqual(["hold:cancelled"]);
    expect(Date.parse(state.finished_at!) - Date.parse(state.created_at)).toBe(15 * 60_000);
    expect(harness.host.alarm).toBeNull();
  });
});
