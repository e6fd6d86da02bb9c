import { describe, expect, inject, it } from "vitest";
import { call, expectError, getExecution, runFlow, saveFlow, signUp, yaml } from "../helpers/api";

const HTTP = inject("httpBase");

describe("running flows", () => {
  it("runs a chain of transforms and returns the last output with ?wait", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Chain}
nodes:
  double:
    type: transform
    params: {script: "return { n: input.n * 2 }"}
    next: {default: inc}
  inc:
    type: transform
    params: {script: "console.log('inc', input.n); return { n: input.n + 1, first: results.double.n }"}
`,
    );
    const run = await runFlow(user, flow, { n: 20 });
    expect(run).toMatchObject({ status: "completed", output: { n: 41, first: 40 }, step_count: 2, error: null });
    expect(run.execution_id).toMatch(/^exe_[0-9a-z]{25}$/);

    const steps = (await (await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth })).json()) as {
      steps: { node_id: string; status: string; action: string; output: unknown; attempt: number }[];
    };
    expect(steps.steps.map((s) => [s.node_id, s.status, s.action, s.attempt])).toEqual([
      ["double", "completed", "default", 1],
      ["inc", "completed", "default", 1],
    ]);
    expect(steps.steps[0]!.output).toEqual({ n: 40 });

    const logs = (await (await call(`/api/v1/executions/${run.id}/logs`, { headers: user.auth })).json()) as {
      logs: { node_id: string; level: string; message: string }[];
    };
    expect(logs.logs).toEqual([expect.objectContaining({ node_id: "inc", level: "info", message: "inc 40" })]);
  });

  it("calls HTTP services with templated params and routes on the status", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: HTTP}
nodes:
  call:
    type: http.request
    params:
      url: "${HTTP}/echo/x"
      method: POST
      query_params: {q: "${"${input.q}"}"}
      headers: {X-Trace: "trace-${"${input.q}"}"}
      body: {items: "${"${input.items}"}"}
      bearer_token: abc123
    next: {success: shape, client_error: bad}
  shape:
    type: transform
    params: {script: "return { method: input.body.method, q: input.body.query.q, trace: input.body.headers['x-trace'], auth: input.body.headers.authorization, sent: JSON.parse(input.body.body), code: input.status_code }"}
  bad:
    type: transform
    params: {script: "return 'bad'"}
`,
    );
    const run = await runFlow(user, flow, { q: "hello", items: [1, 2] });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({
      method: "POST",
      q: "hello",
      trace: "trace-hello",
      auth: "Bearer abc123",
      sent: { items: [1, 2] },
      code: 200,
    });
  });

  it("fails the run with the node and code when a node fails without an error edge", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Boom}
nodes:
  boom:
    type: transform
    params: {script: "throw new Error('kaput')"}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ node_id: "boom", code: "script_runtime" });
    expect(run.error!.message).toContain("kaput");
  });

  it("404s another account's execution", async () => {
    const owner = await signUp();
    const other = await signUp();
    const flow = await saveFlow(
      owner,
      yaml`
metadata: {name: Mine}
nodes:
  a: {type: transform, params: {script: "return 1"}}
`,
    );
    const run = await runFlow(owner, flow);
    await expectError(await call(`/api/v1/executions/${run.id}`, { headers: other.auth }), 404, "not_found");
    expect((await getExecution(owner, run.id)).status).toBe("completed");
  });

  it("gives each visit of a node in a loop its own idempotency key", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Loop keys}
start: charge
nodes:
  charge:
    type: transform
    params:
      script: "shared.keys = [...(shared.keys ?? []), execution.idempotency_key]; return shared.keys.length"
    next: {default: again}
  again:
    type: condition
    params: {conditions: [{condition: "input < 3", action: loop}]}
    next: {loop: charge, default: done}
  done: {type: transform, params: {script: "return shared.keys"}}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    const keys = run.output as string[];
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${run.id}:charge:\\d+:1$`));
  });
});
