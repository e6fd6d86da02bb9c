/**
 * Bugs found in src/nodes/lifecycle.ts while writing the lifecycle tests; each test failed before its fix.
 * (Two more live beside their topic: secrets referenced only in declarative `conditions`, and actions
 * built from a secret, in secrets.test.ts; per-item param templates in batch.test.ts; `params` and
 * console output in param templates in templates.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { runNode } from "../../../src/nodes/lifecycle";
import { deps, done, EXECUTION, fail, fakeFetch, run, stepRequest } from "./helpers";

const counter = "shared.count = (shared.count ?? 0) + 1; shared.seen = [...(shared.seen ?? []), input]; return input";

describe("shared writes inside a batch", () => {
  it("serial: every item's write is kept, each item sees the previous one's", async () => {
    const { outcome } = await run(
      { type: "transform", params: { script: counter }, batch: {} },
      { input: ["a", "b", "c"], shared: { count: 10 } },
    );
    expect(done(outcome).shared).toEqual({ count: 13, seen: ["a", "b", "c"] });
  });

  it("parallel: no write is lost", async () => {
    const { outcome } = await run(
      { type: "transform", params: { script: counter }, batch: { strategy: "parallel", max_parallel: 3 } },
      { input: [1, 2, 3, 4, 5] },
    );
    const shared = done(outcome).shared as { count: number; seen: number[] };
    expect(shared.count).toBe(5);
    expect(shared.seen.toSorted()).toEqual([1, 2, 3, 4, 5]);
  });

  it("parallel exec hooks: no write is lost either, and post sees the total", async () => {
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://x.test/" },
        hooks: { exec: "shared.total = (shared.total ?? 0) + input; return input", post: "return 'total_' + shared.total" },
        batch: { strategy: "parallel", max_parallel: 4 },
      },
      { input: [1, 2, 3, 4, 5, 6] },
    );
    expect(done(outcome)).toMatchObject({ action: "total_21", shared: { total: 21 }, output: [1, 2, 3, 4, 5, 6] });
  });

  it("batch.items sees what prep wrote to shared", async () => {
    const { outcome } = await run({
      type: "transform",
      params: { script: "return input + 1" },
      hooks: { prep: "shared.list = [1, 2]" },
      batch: { items: "${shared.list}" },
    });
    expect(done(outcome).output).toEqual([2, 3]);
  });
});

describe("a failing batch stops", () => {
  it("parallel: no item starts after one failed, and the node fails only once running items finished", async () => {
    let calls = 0;
    const http = fakeFetch(() => (calls++ === 0 ? { fail: "connection refused", delayMs: 5 } : { body: calls, delayMs: 40 }));
    const { error } = await fail(
      { type: "http.request", params: { url: "https://api.example.test/" }, batch: { strategy: "parallel", max_parallel: 2 } },
      { input: [0, 1, 2, 3, 4, 5] },
      { fetch: http.fetch },
    );
    expect(error.code).toBe("network_error");
    expect(error.message).toBe("GET https://api.example.test/ failed: connection refused");
    // The first request failed while the second was in flight: nothing else started, and the second had
    // finished when the node reported its failure.
    expect(http.calls).toHaveLength(2);
    expect(http.finished).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(http.calls).toHaveLength(2);
  });

  it("serial: items after the failing one do not run", async () => {
    const http = fakeFetch((url) => (url.pathname === "/2" ? { status: 200, fail: "reset" } : { body: 1 }));
    const { error } = await fail(
      { type: "http.request", params: { url: "https://x.test/${input}" }, batch: {} },
      { input: [1, 2, 3, 4] },
      { fetch: http.fetch },
    );
    expect(error.code).toBe("network_error");
    expect(http.calls.map((c) => c.url)).toEqual(["https://x.test/1", "https://x.test/2"]);
  });
});

describe("the idempotency key is available to scripts (DESIGN §5)", () => {
  it("execution carries node_id and idempotency_key", async () => {
    const { outcome } = await run(
      { type: "transform", params: { script: "return [execution.node_id, execution.idempotency_key, execution.attempt]" } },
      { nodeId: "charge", attempt: 3 },
    );
    expect(done(outcome).output).toEqual(["charge", `${EXECUTION.id}:charge:1:3`, 3]);
  });
});

describe("shared and parallel branches", () => {
  it("a node that only reads shared does not hand back a stale copy of it", async () => {
    const { request } = stepRequest(
      {
        type: "http.request",
        params: { url: "https://x.test/" },
        hooks: { prep: "return { params: { headers: { 'X-Mode': shared.mode } } }" },
      },
      { shared: { mode: "m" } },
    );
    // While the request is in flight another branch finishes and writes shared.
    const http = fakeFetch(() => {
      request.state.shared = { ...request.state.shared, other: "branch" };
      return { body: 1, delayMs: 5 };
    });
    const outcome = done(await runNode(request, deps({ fetch: http.fetch })));
    expect(http.calls[0]!.headers["x-mode"]).toBe("m");
    expect(outcome.shared).toBeUndefined();
  });

  it("a node's writes go over what other branches wrote meanwhile, key by key", async () => {
    const { request } = stepRequest(
      {
        type: "http.request",
        params: { url: "https://x.test/" },
        hooks: { prep: "shared.mine = 1; delete shared.old; shared.both = 'mine'" },
      },
      { shared: { old: true, both: "before", kept: 0 } },
    );
    const http = fakeFetch(() => {
      request.state.shared = { ...request.state.shared, theirs: 2, kept: 5 };
      return { body: 1 };
    });
    const outcome = done(await runNode(request, deps({ fetch: http.fetch })));
    expect(outcome.shared).toEqual({ kept: 5, theirs: 2, mine: 1, both: "mine" });
  });
});
