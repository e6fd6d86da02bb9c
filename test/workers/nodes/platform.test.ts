/** What every node type gets from the lifecycle: params parsed by its spec, effects declared per call. */
import { describe, expect, it } from "vitest";
import { runNode } from "../../../src/nodes/lifecycle";
import { deps, done, fail, fakeFetch, run, stepRequest } from "./helpers";

describe("params resolved against the spec", () => {
  it("fails the step, without retrying, when a template produces a value the param cannot take", async () => {
    const { error } = await fail({ type: "http.request", params: { url: "${input.target}" } }, { input: { target: 42 } });
    expect(error.code).toBe("invalid_params");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("param 'url'");
    expect(error.details).toMatchObject({ param: "url" });
  });

  it("applies the cross-param rules to resolved values", async () => {
    const { error } = await fail({ type: "wait", params: { type: "${input.kind}", duration: "1s" } }, { input: { kind: "event" } });
    expect(error).toMatchObject({ code: "invalid_params", retryable: false });
    expect(error.message).toContain("type 'event' needs param 'event'");
  });

  it("hands the node the spec's defaults and typed values", async () => {
    const api = fakeFetch(() => ({ body: { ok: true } }));
    const outcome = done(
      (await run({ type: "http.request", params: { url: "https://api.example.com/x" } }, {}, { fetch: api.fetch })).outcome,
    );
    expect(api.calls[0]!.method).toBe("GET");
    expect(outcome.action).toBe("success");
    // A duration written as text reaches the node in milliseconds.
    const { request } = stepRequest({ type: "delay", params: { duration: "${input.pause}" } }, { input: { pause: "1500ms" } });
    const before = Date.now();
    const sleep = await runNode(request, deps());
    expect(sleep.kind).toBe("sleep");
    if (sleep.kind === "sleep") expect(sleep.until - before).toBeGreaterThanOrEqual(1500);
    if (sleep.kind === "sleep") expect(sleep.until - before).toBeLessThan(1500 + 10_000);
  });
});

describe("side effects are declared per call", () => {
  it("a pure node never asks the engine to make progress durable; an HTTP call does, before it leaves", async () => {
    const pure = stepRequest({ type: "transform", params: { script: "return 1" } });
    await runNode(pure.request, deps());
    expect(pure.host.effects).toBe(0);

    let effectsWhenSent = -1;
    const call = stepRequest({ type: "http.request", params: { url: "https://api.example.com/x" } });
    const api = fakeFetch(() => {
      effectsWhenSent = call.host.effects;
      return { body: null };
    });
    await runNode(call.request, deps({ fetch: api.fetch }));
    expect(effectsWhenSent).toBe(1);
  });

  it("a node whose params fail never declares an effect", async () => {
    const { request, host } = stepRequest({ type: "http.request", params: { url: "${input}" } }, { input: [1] });
    await expect(runNode(request, deps())).rejects.toMatchObject({ code: "invalid_params" });
    expect(host.effects).toBe(0);
  });
});
