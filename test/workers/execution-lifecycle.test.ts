import { describe, expect, inject, it } from "vitest";
import { call, expectError, getExecution, runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";

const HTTP = inject("httpBase");

async function hits(key: string): Promise<number> {
  return ((await (await fetch(`${HTTP}/count/${key}`)).json()) as { count: number }).count;
}

async function steps(user: TestUser, id: string) {
  const res = await call(`/api/v1/executions/${id}/steps`, { headers: user.auth });
  return (
    (await res.json()) as {
      steps: { node_id: string; status: string; attempt: number; action: string | null; error: { code: string } | null }[];
    }
  ).steps;
}

const APPROVAL = yaml`
metadata: {name: Approval}
nodes:
  ask:
    type: wait
    params: {type: event, event: approval, timeout: 1h}
    next: {default: done, timeout: expired}
  done:
    type: transform
    params: {script: "return { approved: input.ok, by: input.who }"}
  expired:
    type: transform
    params: {script: "return 'expired'"}
`;

describe("waiting for events", () => {
  it("waits without CPU, resumes on the event with its payload", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, APPROVAL);
    const run = await runFlow(user, flow, {}, 0);
    const waiting = await getExecution(user, run.id, 1);
    expect(waiting.status).toBe("waiting");
    expect(waiting.waiting_for).toEqual([{ node_id: "ask", state: "waiting_event", event: "approval" }]);
    const list = (await (await call(`/api/v1/executions?status=waiting&flow_id=${flow}`, { headers: user.auth })).json()) as {
      executions: { id: string }[];
    };
    expect(list.executions.map((e) => e.id)).toEqual([run.id]);

    const sent = await call(`/api/v1/executions/${run.id}/events/approval`, {
      method: "POST",
      headers: user.auth,
      json: { ok: true, who: "dana" },
    });
    expect(sent.status).toBe(202);
    expect(((await sent.json()) as { delivered: number }).delivered).toBe(1);
    const done = await getExecution(user, run.id, 5);
    expect(done).toMatchObject({ status: "completed", output: { approved: true, by: "dana" } });
    await expectError(
      await call(`/api/v1/executions/${run.id}/events/approval`, { method: "POST", headers: user.auth, json: {} }),
      409,
      "conflict",
    );
  });

  it("keeps an event sent before anything waits for it", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Early}
nodes:
  pause: {type: delay, params: {duration: 300ms}, next: {default: ask}}
  ask:
    type: wait
    params: {type: event, event: go}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    const sent = await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: { early: true } });
    expect(((await sent.json()) as { delivered: number }).delivered).toBe(0);
    expect(await getExecution(user, run.id, 5)).toMatchObject({ status: "completed", output: { early: true } });
  });

  it("keeps what a prep hook wrote to shared before the node paused", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Shared across pauses}
nodes:
  pause:
    type: delay
    params: {duration: 100ms}
    hooks: {prep: "shared.paused_at = 'pause'"}
    next: {default: ask}
  ask:
    type: wait
    params: {type: event, event: go}
    hooks: {prep: "shared.asked = input.who"}
    next: {default: report}
  report: {type: transform, params: {script: "return { shared, event: input }"}}
`,
    );
    const run = await runFlow(user, flow, { who: "ann" }, 0);
    const waiting = await getExecution(user, run.id, 1);
    expect(waiting).toMatchObject({ status: "waiting", waiting_for: [{ node_id: "ask" }], shared: { paused_at: "pause", asked: "ann" } });
    await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: { ok: true } });
    expect(await getExecution(user, run.id, 5)).toMatchObject({
      status: "completed",
      output: { shared: { paused_at: "pause", asked: "ann" }, event: { ok: true } },
    });
  });

  it("takes the timeout edge when no event comes", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, APPROVAL.replace("timeout: 1h", "timeout: 200ms"));
    const run = await runFlow(user, flow, {}, 5);
    expect(run).toMatchObject({ status: "completed", output: "expired" });
    expect((await steps(user, run.id)).map((s) => [s.node_id, s.action])).toEqual([
      ["ask", "timeout"],
      ["expired", "default"],
    ]);
  });
});

describe("cancel", () => {
  it("interrupts a wait, is final, and refuses events afterwards", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, APPROVAL);
    const run = await runFlow(user, flow, {}, 0);
    expect((await getExecution(user, run.id, 1)).status).toBe("waiting");
    const res = await call(`/api/v1/executions/${run.id}`, { method: "DELETE", headers: user.auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    await expectError(
      await call(`/api/v1/executions/${run.id}/events/approval`, { method: "POST", headers: user.auth, json: {} }),
      409,
      "conflict",
    );
    const again = await call(`/api/v1/executions/${run.id}`, { method: "DELETE", headers: user.auth });
    expect(((await again.json()) as { status: string }).status).toBe("cancelled");
    expect((await steps(user, run.id)).map((s) => s.status)).toEqual(["cancelled"]);
    const summary = (await (await call(`/api/v1/executions?flow_id=${flow}`, { headers: user.auth })).json()) as {
      executions: { status: string }[];
    };
    expect(summary.executions[0]!.status).toBe("cancelled");
  });

  it("stops a running chain at the next step boundary", async () => {
    const user = await signUp();
    const key = `cancel-${Date.now()}`;
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Slow chain}
nodes:
  first: {type: http.request, params: {url: "${HTTP}/slow/400"}, next: {default: second}}
  second: {type: http.request, params: {url: "${HTTP}/hit/${key}"}}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    const cancelled = await call(`/api/v1/executions/${run.id}`, { method: "DELETE", headers: user.auth });
    expect(((await cancelled.json()) as { status: string }).status).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 700));
    expect(await hits(key)).toBe(0);
    expect((await getExecution(user, run.id)).status).toBe("cancelled");
  });
});

describe("retries, errors and limits", () => {
  it("retries with back-off on alarms, then succeeds", async () => {
    const user = await signUp();
    const key = `flaky-${Date.now()}`;
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Flaky}
nodes:
  call:
    type: http.request
    params: {url: "${HTTP}/flaky/${key}/2"}
    retry: {max_retries: 3, wait: 20ms, backoff: exponential}
    next: {server_error: fail_on_status, success: ok}
  fail_on_status: {type: transform, params: {script: "throw new Error('status ' + input.status_code)"}, retry: {max_retries: 0}}
  ok: {type: transform, params: {script: "return input.body"}}
`,
    );
    const run = await runFlow(user, flow);
    // A 5xx is an answer, not a failure: it takes the server_error edge without retrying.
    expect(run.status).toBe("failed");
    expect(await hits(key)).toBe(1);

    const retrying = await saveFlow(
      user,
      yaml`
metadata: {name: Flaky retry}
nodes:
  call:
    type: http.request
    params: {url: "${HTTP}/flaky/${key}-b/2"}
    retry: {max_retries: 3, wait: 20ms, backoff: exponential}
    hooks:
      post: "if (output.status_code >= 500) throw new Error('upstream ' + output.status_code); return undefined"
`,
    );
    const second = await runFlow(user, retrying);
    expect(second.status, JSON.stringify(second.error)).toBe("completed");
    expect(second.output).toMatchObject({ status_code: 200, body: { attempt: 3, ok: true } });
    expect((await steps(user, second.id)).map((s) => [s.attempt, s.status])).toEqual([
      [1, "retrying"],
      [2, "retrying"],
      [3, "completed"],
    ]);
  });

  it("takes the error edge with the error as input once retries are spent", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Error edge}
nodes:
  risky:
    type: transform
    params: {script: "throw new Error('nope')"}
    retry: {max_retries: 1, wait: 10ms}
    next: {error: report}
  report:
    type: transform
    params: {script: "return { handled: input.code, from: input.node_id, msg: input.message }"}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ handled: "script_runtime", from: "risky" });
    expect((run.output as { msg: string }).msg).toContain("nope");
    expect((await steps(user, run.id)).map((s) => [s.node_id, s.attempt, s.status])).toEqual([
      ["risky", 1, "retrying"],
      ["risky", 2, "failed"],
      ["report", 1, "completed"],
    ]);
  });

  it("fails a node that runs past its timeout", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Timeout}
nodes:
  slow: {type: http.request, params: {url: "${HTTP}/slow/2000"}, timeout: 100ms}
`,
    );
    const run = await runFlow(user, flow);
    expect(run).toMatchObject({ status: "failed", error: { code: "timeout", node_id: "slow" } });
  });

  it("stops a cycle that never ends at the step limit", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Forever}
start: a
nodes:
  a: {type: transform, params: {script: "return (input.n || 0) + 1"}, next: {default: b}}
  b: {type: transform, params: {script: "return { n: input }"}, next: {default: a}}
`,
    );
    const res = await call(`/api/v1/flows/${flow}/run?wait=30`, { method: "POST", headers: user.auth, json: { input: {} } });
    const run = (await res.json()) as { status: string; error: { code: string }; step_count: number };
    expect(run.status).toBe("failed");
    expect(run.error.code).toBe("step_limit_exceeded");
    expect(run.step_count).toBe(10_000);
  }, 60_000);
});

describe("starting runs", () => {
  it("starts one execution per Idempotency-Key", async () => {
    const user = await signUp();
    const key = `idem-${Date.now()}`;
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Once}
nodes:
  call: {type: http.request, params: {url: "${HTTP}/hit/${key}"}}
`,
    );
    const headers = { "Idempotency-Key": "order-42" };
    const first = await call(`/api/v1/flows/${flow}/run?wait=5`, {
      method: "POST",
      headers: { ...user.auth, ...headers },
      json: { input: {} },
    });
    const second = await call(`/api/v1/flows/${flow}/run?wait=5`, {
      method: "POST",
      headers: { ...user.auth, ...headers },
      json: { input: {} },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(((await first.json()) as { id: string }).id).toBe(((await second.json()) as { id: string }).id);
    expect(await hits(key)).toBe(1);
    const other = await signUp();
    const otherFlow = await saveFlow(
      other,
      yaml`
metadata: {name: Once}
nodes:
  call: {type: http.request, params: {url: "${HTTP}/hit/${key}"}}
`,
    );
    const third = await call(`/api/v1/flows/${otherFlow}/run?wait=5`, {
      method: "POST",
      headers: { ...other.auth, ...headers },
      json: { input: {} },
    });
    expect(third.status).toBe(201);
    expect(await hits(key)).toBe(2);
  });

  it("pins the run to the version it started with", async () => {
    const user = await signUp();
    const v1 = yaml`
metadata: {name: Pinned}
nodes:
  pause: {type: delay, params: {duration: 300ms}, next: {default: say}}
  say: {type: transform, params: {script: "return 'v1'"}}
`;
    const flow = await saveFlow(user, v1);
    const run = await runFlow(user, flow, {}, 0);
    const put = await call(`/api/v1/flows/${flow}`, {
      method: "PUT",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: v1.replace("'v1'", "'v2'"),
    });
    expect(put.status).toBe(200);
    expect(await getExecution(user, run.id, 5)).toMatchObject({ status: "completed", output: "v1" });
    expect((await runFlow(user, flow)).output).toBe("v2");
  });

  it("404s unknown flows and executions", async () => {
    const user = await signUp();
    await expectError(await call("/api/v1/flows/flw_nope/run", { method: "POST", headers: user.auth, json: {} }), 404, "not_found");
    await expectError(await call("/api/v1/executions/exe_0000000000000000000000000", { headers: user.auth }), 404, "not_found");
    await expectError(await call("/api/v1/executions/garbage/steps", { headers: user.auth }), 404, "not_found");
  });
});

describe("re-run from a node", () => {
  it("reuses recorded outputs before the node and runs the rest again", async () => {
    const user = await signUp();
    const key = `rerun-${Date.now()}`;
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Rerun}
nodes:
  fetch: {type: http.request, params: {url: "${HTTP}/hit/${key}"}, next: {default: shape}}
  shape: {type: transform, params: {script: "return { count: input.body.count, factor: shared.factor || 1 }"}, next: {default: finish}}
  finish: {type: transform, params: {script: "return { total: results.shape.count * 10, fetched: results.fetch.body.count }"}}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.output).toEqual({ total: 10, fetched: 1 });
    const res = await call(`/api/v1/executions/${run.id}/rerun?wait=5`, {
      method: "POST",
      headers: user.auth,
      json: { from_node: "finish" },
    });
    expect(res.status).toBe(201);
    const rerun = (await res.json()) as { id: string; status: string; output: unknown; trigger: string };
    expect(rerun.id).not.toBe(run.id);
    expect(rerun).toMatchObject({ status: "completed", output: { total: 10, fetched: 1 }, trigger: `rerun:${run.id}` });
    expect(await hits(key)).toBe(1);
    expect((await steps(user, rerun.id)).map((s) => s.node_id)).toEqual(["finish"]);

    const whole = (await (
      await call(`/api/v1/executions/${run.id}/rerun?wait=5`, { method: "POST", headers: user.auth, json: {} })
    ).json()) as { output: unknown };
    expect(whole.output).toEqual({ total: 20, fetched: 2 });
    await expectError(
      await call(`/api/v1/executions/${run.id}/rerun`, { method: "POST", headers: user.auth, json: { from_node: "nope" } }),
      400,
      "bad_request",
    );
  });
});

describe("records after failures and cancels", () => {
  it("records the failing step as failed, not cancelled", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Fails}
nodes:
  a: {type: transform, params: {script: "throw new Error('x')"}}
`,
    );
    const run = await runFlow(user, flow);
    expect((await steps(user, run.id)).map((s) => [s.node_id, s.status, s.error?.code])).toEqual([["a", "failed", "script_runtime"]]);
  });

  it("cancels a waiting child when its parent is cancelled", async () => {
    const user = await signUp();
    const child = await saveFlow(user, APPROVAL);
    const parent = await saveFlow(
      user,
      yaml`
metadata: {name: Parent}
nodes:
  sub: {type: flow, params: {flow_id: "${child}"}}
`,
    );
    const run = await runFlow(user, parent, {}, 0);
    let childId: string | undefined;
    for (let i = 0; i < 50 && !childId; i++) {
      const list = (await (await call(`/api/v1/executions?flow_id=${child}`, { headers: user.auth })).json()) as {
        executions: { id: string; status: string }[];
      };
      childId = list.executions.find((e) => e.status === "waiting")?.id;
      if (!childId) await new Promise((r) => setTimeout(r, 20));
    }
    expect(childId).toBeDefined();
    await call(`/api/v1/executions/${run.id}`, { method: "DELETE", headers: user.auth });
    expect((await getExecution(user, childId!)).status).toBe("cancelled");
  });

  it("filters logs by level before the limit", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Logs}
nodes:
  a: {type: transform, params: {script: "console.log('one'); console.warn('two'); console.error('three'); return 1"}}
`,
    );
    const run = await runFlow(user, flow);
    const logs = (await (await call(`/api/v1/executions/${run.id}/logs?level=error&limit=2`, { headers: user.auth })).json()) as {
      logs: { message: string }[];
    };
    expect(logs.logs.map((l) => l.message)).toEqual(["three"]);
  });

  it("re-runs from a node that never ran when given its input", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Branches}
nodes:
  pick: {type: condition, params: {condition_script: "return input.go ? 'yes' : 'no'"}, next: {yes: yes, no: no}}
  yes: {type: transform, params: {script: "return 'took yes ' + input.v"}}
  no: {type: transform, params: {script: "return 'took no'"}}
`,
    );
    const run = await runFlow(user, flow, { go: false });
    await expectError(
      await call(`/api/v1/executions/${run.id}/rerun`, { method: "POST", headers: user.auth, json: { from_node: "yes" } }),
      400,
      "bad_request",
    );
    const res = await call(`/api/v1/executions/${run.id}/rerun?wait=5`, {
      method: "POST",
      headers: user.auth,
      json: { from_node: "yes", input: { v: 7 } },
    });
    expect(((await res.json()) as { output: unknown }).output).toBe("took yes 7");
  });
});

describe("flow timeout", () => {
  it("fails the whole run when the flow's timeout passes, even while it sleeps", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Bounded}
timeout: 300ms
nodes:
  nap: {type: delay, params: {duration: 1h}, next: {default: never}}
  never: {type: transform, params: {script: "return 'should not run'"}}
`,
    );
    const run = await runFlow(user, flow, {}, 5);
    expect(run).toMatchObject({ status: "failed", error: { code: "timeout" } });
    expect((await steps(user, run.id)).map((s) => [s.node_id, s.status])).toEqual([["nap", "cancelled"]]);
  });
});

describe("what is retried", () => {
  it("does not retry a script that ran out of its budget", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Loop}
nodes:
  spin: {type: transform, params: {script: "while (true) {}"}, retry: {max_retries: 3, wait: 10ms}}
`,
    );
    const run = await runFlow(user, flow);
    expect(run).toMatchObject({ status: "failed", error: { code: "script_timeout" } });
    expect((await steps(user, run.id)).map((s) => s.status)).toEqual(["failed"]);
  });
});
