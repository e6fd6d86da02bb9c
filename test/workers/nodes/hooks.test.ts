import { describe, expect, it } from "vitest";
import { done, fail, fakeFetch, run } from "./helpers";

describe("prep hook", () => {
  it("rewrites the input and the params the node runs with", async () => {
    const { outcome } = await run(
      {
        type: "transform",
        params: { factor: 2, script: "return { doubled: input.n * params.factor, label: params.label, factor: params.factor }" },
        hooks: { prep: "return { input: { n: input.raw + 1 }, params: { factor: params.factor * 5, label: 'prepped' } }" },
      },
      { input: { raw: 1 } },
    );
    // n = 2, factor = 10: params not returned by prep keep their value, returned ones replace it.
    expect(done(outcome).output).toEqual({ doubled: 20, label: "prepped", factor: 10 });
  });

  it("an input key set to null makes the input null; a non-object params is ignored", async () => {
    const { outcome } = await run(
      {
        type: "transform",
        params: { script: "return [input, params.k]", k: 1 },
        hooks: { prep: "return { input: null, params: 'nope' }" },
      },
      { input: { a: 1 } },
    );
    expect(done(outcome).output).toEqual([null, 1]);
  });

  it("rewritten params reach a built-in node: the request goes where prep says", async () => {
    const http = fakeFetch(() => ({ body: { ok: true } }));
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://api.example.test/original", method: "GET" },
        hooks: {
          prep: "return { params: { url: params.url.replace('original', 'item/' + input.id), method: 'POST', body: { id: input.id } } }",
        },
      },
      { input: { id: 42 } },
      { fetch: http.fetch },
    );
    expect(http.calls).toEqual([
      { url: "https://api.example.test/item/42", method: "POST", headers: { "content-type": "application/json" }, body: '{"id":42}' },
    ]);
    expect(done(outcome).action).toBe("success");
    expect(done(outcome).output).toMatchObject({ status_code: 200, body: { ok: true } });
  });

  it("returning nothing (or no input/params) leaves both alone, and its shared writes are seen by the node", async () => {
    const { outcome } = await run(
      { type: "transform", params: { script: "return { input, stamp: shared.stamp }" }, hooks: { prep: "shared.stamp = 'from prep'" } },
      { input: { keep: 1 } },
    );
    expect(done(outcome).output).toEqual({ input: { keep: 1 }, stamp: "from prep" });
    expect(done(outcome).shared).toEqual({ stamp: "from prep" });
  });

  it("its shared writes leave with a waiting outcome too (a delay, a wait for an event)", async () => {
    const sleep = (
      await run({ type: "delay", params: { duration: "1s" }, hooks: { prep: "shared.asleep = true" } }, { shared: { kept: 1 } })
    ).outcome;
    expect(sleep).toMatchObject({ kind: "sleep", shared: { kept: 1, asleep: true } });
    const waiting = (
      await run(
        { type: "wait", params: { type: "event", event: "approved" }, hooks: { prep: "shared.asked = input.who" } },
        { input: { who: "ann" } },
      )
    ).outcome;
    expect(waiting).toMatchObject({ kind: "wait_event", event: "approved", shared: { asked: "ann" } });
  });

  it("a failing prep is a script error naming hooks.prep; the node does not run", async () => {
    const http = fakeFetch(() => ({ body: {} }));
    const { error } = await fail(
      { type: "http.request", params: { url: "https://x.test/" }, hooks: { prep: "throw new Error('no')" } },
      {},
      { fetch: http.fetch },
    );
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe("hooks.prep: Error: no (line 1, column 16)");
    expect(http.calls).toEqual([]);
  });
});

describe("exec hook", () => {
  it("replaces the node's work: an http.request node makes no request", async () => {
    const http = fakeFetch(() => ({ body: { from: "network" } }));
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://api.example.test/${input.id}" },
        hooks: { exec: "return { fake: true, url: params.url }" },
      },
      { input: { id: 5 } },
      { fetch: http.fetch },
    );
    expect(http.calls).toEqual([]);
    expect(done(outcome).output).toEqual({ fake: true, url: "https://api.example.test/5" });
    expect(done(outcome).action).toBe("default");
  });

  it("replaces a transform's script", async () => {
    const { outcome } = await run({ type: "transform", params: { script: "return 'script'" }, hooks: { exec: "return 'exec'" } });
    expect(done(outcome).output).toBe("exec");
  });

  it("a failing exec is a script error naming hooks.exec", async () => {
    const { error } = await fail(
      { type: "transform", params: { script: "return 1" }, hooks: { exec: "\nreturn input.a.b" } },
      { input: {} },
    );
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe("hooks.exec: TypeError: cannot read property 'b' of undefined (line 2, column 15)");
    expect(error.details).toEqual({ kind: "runtime", line: 2, column: 15 });
  });
});

describe("post hook", () => {
  const http200 = () => fakeFetch(() => ({ body: { items: [1, 2, 3] } }));

  it("sees output and action; a returned string is the new action", async () => {
    const http = http200();
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://x.test/" },
        hooks: { post: "return action === 'success' && output.body.items.length > 2 ? 'many' : 'few'" },
      },
      {},
      { fetch: http.fetch },
    );
    expect(done(outcome).action).toBe("many");
    expect(done(outcome).output).toMatchObject({ status_code: 200, body: { items: [1, 2, 3] } });
  });

  it("a returned {output, action} replaces both", async () => {
    const { outcome } = await run({
      type: "transform",
      params: { script: "return [3, 1, 2]" },
      hooks: { post: "return { output: output.toSorted(), action: 'sorted' }" },
    });
    expect(done(outcome)).toMatchObject({ output: [1, 2, 3], action: "sorted" });
  });

  it("a returned {output} keeps the action; {action} keeps the output; a boolean action becomes 'true'/'false'", async () => {
    const onlyOutput = done(
      (await run({ type: "condition", params: { condition_script: "return 'left'" }, hooks: { post: "return { output: 'changed' }" } }))
        .outcome,
    );
    expect(onlyOutput).toMatchObject({ output: "changed", action: "left" });
    const onlyAction = done(
      (await run({ type: "transform", params: { script: "return 7" }, hooks: { post: "return { action: output > 5 }" } })).outcome,
    );
    expect(onlyAction).toMatchObject({ output: 7, action: "true" });
  });

  it("returning nothing, or an object without output/action, changes nothing", async () => {
    const none = done((await run({ type: "transform", params: { script: "return 1" }, hooks: { post: "const x = output + 1;" } })).outcome);
    expect(none).toMatchObject({ output: 1, action: "default" });
    const other = done(
      (await run({ type: "transform", params: { script: "return 1" }, hooks: { post: "return { note: 'ignored' }" } })).outcome,
    );
    expect(other).toMatchObject({ output: 1, action: "default" });
    for (const post of ["return true", "return 5", "return null", "return ['x']"]) {
      const ignored = done((await run({ type: "transform", params: { script: "return 1" }, hooks: { post } })).outcome);
      expect([post, ignored.output, ignored.action]).toEqual([post, 1, "default"]);
    }
  });

  it("writes shared, on top of what the node wrote", async () => {
    const { outcome } = await run(
      {
        type: "transform",
        params: { script: "shared.seen = [input]; return input * 10" },
        hooks: { post: "shared.seen.push(output); shared.last = action" },
      },
      { input: 4, shared: { before: true } },
    );
    expect(done(outcome).shared).toEqual({ before: true, seen: [4, 40], last: "default" });
    expect(done(outcome).output).toBe(40);
  });

  it("prep, node and post run in order, each seeing the previous one's shared", async () => {
    const { outcome } = await run({
      type: "transform",
      params: { script: "shared.trail.push('node'); return shared.trail.length" },
      hooks: { prep: "shared.trail = ['prep']", post: "shared.trail.push('post:' + output); return 'done'" },
    });
    expect(done(outcome)).toMatchObject({ output: 2, action: "done", shared: { trail: ["prep", "node", "post:2"] } });
  });

  it("a failing post is a script error naming hooks.post", async () => {
    const { error } = await fail({ type: "transform", params: { script: "return 1" }, hooks: { post: "return output.x.y" } });
    expect(error.message).toBe("hooks.post: TypeError: cannot read property 'y' of undefined (line 1, column 16)");
  });
});
