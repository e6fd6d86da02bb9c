import { describe, expect, it } from "vitest";
import { runFlow } from "../../helpers/run-flow";
import { flow, trail, transform } from "./helpers";

const route = (script: string, next: Record<string, string | string[]>) => ({
  type: "condition",
  params: { condition_script: script },
  next,
});

describe("edges", () => {
  it("follows the edge named by the action, else default, else ends the branch", async () => {
    const yaml = flow({
      pick: route("return input.to", { left: "l", default: "d" }),
      l: transform("'left'"),
      d: transform("'default'"),
    });
    expect((await runFlow(yaml, { to: "left" })).state.output).toBe("left");
    expect((await runFlow(yaml, { to: "elsewhere" })).state.output).toBe("default");

    const ends = await runFlow(flow({ pick: route("return 'nowhere'", { somewhere: "x" }), x: transform("1") }), { v: 1 });
    expect(ends.state.status).toBe("completed");
    expect(ends.state.output).toEqual({ v: 1 });
    expect(trail(ends.steps)).toEqual(["pick:completed"]);
  });

  it("takes the error edge with the error as input, and never falls back to default on a failure", async () => {
    const handled = await runFlow(
      flow({
        boom: { ...transform("null", { error: "catch", default: "next" }), params: { script: "throw new Error('no')" } },
        catch: transform("input"),
        next: transform("'next'"),
      }),
      null,
    );
    expect(handled.state.status).toBe("completed");
    expect(handled.state.output).toMatchObject({ code: "script_runtime", node_id: "boom" });
    expect(trail(handled.steps)).toEqual(["boom:failed", "catch:completed"]);

    const unhandled = await runFlow(
      flow({ boom: { type: "transform", params: { script: "throw new Error('no')" }, next: { default: "next" } }, next: transform("1") }),
      null,
    );
    expect(unhandled.state.status).toBe("failed");
    expect(unhandled.state.error).toMatchObject({ code: "script_runtime", node_id: "boom" });
    expect(trail(unhandled.steps)).toEqual(["boom:failed"]);
  });
});

describe("fan-out and joins", () => {
  it("runs the branches of a list and joins them once, with their outputs keyed by node", async () => {
    const { state, steps } = await runFlow(
      flow({
        start: transform("input", { default: ["a", "b", "c"] }),
        a: transform("input * 2", { default: "join" }),
        b: transform("input * 3", { default: "join" }),
        c: transform("input * 5", { default: "join" }),
        join: transform("input"),
      }),
      1,
    );
    expect(state.output).toEqual({ a: 2, b: 3, c: 5 });
    expect(steps.filter((s) => s.node_id === "join")).toHaveLength(1);
    expect(steps.at(-1)!.node_id).toBe("join");
  });

  it("runs a join after a branch that ended early, with the one arrival as it is", async () => {
    const { state, steps } = await runFlow(
      flow({
        start: transform("input", { default: ["long", "short"] }),
        long: transform("'long'", { default: "more" }),
        more: transform("input + '!'", { default: "join" }),
        // Could reach the join, but ends here: the join must not wait for it.
        short: route("return 'stop'", { go: "join" }),
        join: transform("({ got: input })"),
      }),
      "in",
    );
    expect(state.status).toBe("completed");
    expect(steps.filter((s) => s.node_id === "join")).toHaveLength(1);
    // Ends: the join's output and the branch that stopped.
    expect(state.output).toEqual({ short: "in", join: { got: "long!" } });
  });
});

describe("cycles", () => {
  it("loops until a condition leaves the cycle", async () => {
    const { state, steps } = await runFlow(
      flow(
        {
          count: transform("input + 1", { default: "check" }),
          check: route("return input < 5 ? 'again' : 'done'", { again: "count", done: "out" }),
          out: transform("input"),
        },
        { start: "count" },
      ),
      0,
    );
    expect(state.output).toBe(5);
    expect(steps.filter((s) => s.node_id === "count")).toHaveLength(5);
  });

  it("stops a cycle that never ends at the step limit", async () => {
    const { state, steps } = await runFlow(flow({ spin: transform("input + 1", { default: "spin" }) }, { start: "spin" }), 0, {
      start: { step_limit: 25 },
    });
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ code: "step_limit_exceeded", node_id: "spin" });
    expect(steps).toHaveLength(25);
    expect(state.step_count).toBe(25);
  });
});
