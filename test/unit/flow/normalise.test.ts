/** The normalised FlowDefinition: one spelling for everything YAML lets authors write several ways. */
import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { expectValid, yaml } from "./helpers";

const head = ["metadata: {name: x}", "nodes:"];

describe("normalisation", () => {
  it("turns next targets into lists, keeping list order", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  a:",
        "    type: http.request",
        "    params: {url: https://example.com}",
        "    next:",
        "      success: b",
        "      error: [c, b]",
        "  b: {type: transform, params: {script: return 1}}",
        "  c: {type: transform, params: {script: return 2}}",
      ),
    );
    expectValid(result);
    expect(result.flow!.nodes.a!.next).toEqual({ success: ["b"], error: ["c", "b"] });
    expect(result.flow!.nodes.b!.next).toEqual({});
  });

  it("defaults params to {} and reads numeric node ids as strings", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  1: {type: transform, params: {script: return 1}, next: {default: 2}}",
        "  2: {type: condition, params: {condition_script: return true}}",
      ),
    );
    expectValid(result);
    expect(result.flow!.start).toBe("1");
    expect(result.flow!.nodes["1"]!.next).toEqual({ default: ["2"] });
    const empty = validateFlow(yaml(...head, "  a:", "    type: cron", "    params:", "    next: {}"));
    // cron's operation defaults to schedule, which needs a schedule: params were read as {}.
    expect(empty.errors.map((e) => e.message)).toEqual(["node 'a' (cron): operation 'schedule' needs param 'schedule'"]);
  });

  it("detects the start node as the one no edge points to", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  end: {type: transform, params: {script: return 1}}",
        "  begin: {type: transform, params: {script: return 1}, next: {default: end}}",
      ),
    );
    expect(result.flow?.start).toBe("begin");
  });

  it("a self-loop counts as an incoming edge", () => {
    const result = validateFlow(yaml(...head, "  poll: {type: delay, params: {duration: 1m}, next: {default: poll}}"));
    expect(result.errors.map((e) => e.code)).toEqual(["no_start_node"]);
  });

  it("keeps an explicit start even when another node has no incoming edge", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "start: b",
        "nodes:",
        "  a: {type: transform, params: {script: return 1}}",
        "  b: {type: transform, params: {script: return 1}}",
      ),
    );
    expect(result.valid).toBe(true);
    expect(result.flow?.start).toBe("b");
    expect(result.warnings.map((w) => w.message)).toEqual(["node 'a' is not reachable from start node 'b'"]);
  });

  it("maps the original's batch strategies onto serial and parallel", () => {
    const strategies = {
      serial: "serial",
      async: "serial",
      async_batch: "serial",
      parallel: "parallel",
      parallel_batch: "parallel",
      worker_pool: "parallel",
    };
    for (const [written, meant] of Object.entries(strategies)) {
      const result = validateFlow(
        yaml(
          ...head,
          "  a:",
          "    type: transform",
          "    params: {script: return input}",
          `    batch: {items: "\${input.list}", strategy: ${written}, max_parallel: 4}`,
        ),
      );
      expect(result.flow?.nodes.a?.batch, written).toEqual({ items: "${input.list}", strategy: meant, max_parallel: 4 });
    }
  });

  it("keeps retry, timeout and hooks, with numeric durations as text", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "timeout: 3600",
        "nodes:",
        "  a:",
        "    type: transform",
        "    params: {script: return 1}",
        "    retry: {max_retries: 0, wait: 1.5, backoff: exponential, max_wait: 1m}",
        "    timeout: 90",
        "    hooks: {prep: 'input.x = 1; return input', post: return 'default'}",
      ),
    );
    expectValid(result);
    expect(result.flow).toEqual({
      metadata: { name: "x" },
      start: "a",
      timeout: "3600",
      nodes: {
        a: {
          type: "transform",
          params: { script: "return 1" },
          next: {},
          retry: { max_retries: 0, wait: "1.5", backoff: "exponential", max_wait: "1m" },
          timeout: "90",
          hooks: { prep: "input.x = 1; return input", post: "return 'default'" },
        },
      },
    });
  });

  it("keeps params exactly as written, templates included", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  a:",
        "    type: http.request",
        "    params:",
        '      url: "https://x/${input.id}"',
        "      headers: {X-Count: 3}",
        "      body: {nested: [1, {deep: true}]}",
      ),
    );
    expect(result.flow?.nodes.a?.params).toEqual({
      url: "https://x/${input.id}",
      headers: { "X-Count": 3 },
      body: { nested: [1, { deep: true }] },
    });
  });

  it("is absent whenever the flow is invalid, and present with warnings only", () => {
    const invalid = validateFlow(yaml(...head, "  a: {type: delay, params: {duration: nope}}"));
    expect(invalid.valid).toBe(false);
    expect(invalid.flow).toBeUndefined();
    const warned = validateFlow(
      yaml(...head, "  a: {type: delay, params: {duration: 1s}, next: {done: b}}", "  b: {type: delay, params: {duration: 1s}}"),
    );
    expect(warned.valid).toBe(true);
    expect(warned.warnings.map((w) => w.code)).toEqual(["unknown_action"]);
    expect(warned.flow?.start).toBe("a");
  });
});
