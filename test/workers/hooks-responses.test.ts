/**
 * What a webhook caller gets back, per response mode: 202 at once (`immediate`), the run's output
 * (`last_node`), or a `respond` node's answer while the run goes on (`respond_node`); and the same
 * answer again for a redelivery.
 */
import { describe, expect, it } from "vitest";
import { call, expectError, getExecution, runFlow, signUp, uniqueName, yaml, type TestUser } from "../helpers/api";
import { executionsOf, postJson, putSecret, saveHookFlow, type Hook } from "../helpers/hooks";

const name = () => uniqueName("hook");
const runsOf = (user: TestUser, h: Hook) => executionsOf(user, `trigger_type=webhook&trigger_id=${h.triggerId}`);

interface Steps {
  steps: { node_id: string; status: string; output: unknown; finished_at: string | null }[];
}

async function stepsOf(user: TestUser, id: string): Promise<Steps["steps"]> {
  const res = await call(`/api/v1/executions/${id}/steps?full=true`, { headers: user.auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as Steps).steps;
}

describe("response: immediate", () => {
  it("answers 202 with the execution id and its Location, and the run is found by trigger", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook}]
nodes:
  double: {type: transform, params: {script: "return { n: input.body.n * 2 }"}}
`,
    );
    const res = await postJson(h.path, { n: 21 });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { execution_id: string; status: string };
    expect(body.execution_id).toMatch(/^exe_[0-9a-z]{25}$/);
    expect(["running", "completed"]).toContain(body.status);
    expect(res.headers.get("Location")).toBe(`/api/v1/executions/${body.execution_id}`);

    const done = await getExecution(user, body.execution_id, 5);
    expect(done).toMatchObject({ status: "completed", output: { n: 42 } });
    expect((await runsOf(user, h)).map((r) => r.id)).toEqual([body.execution_id]);
    expect((await executionsOf(user, "trigger_type=webhook")).map((r) => r.id)).toEqual([body.execution_id]);
    expect(await executionsOf(user, "trigger_type=api")).toHaveLength(0);
  });
});

describe("response: last_node", () => {
  it("answers 200 with the output of a completed run", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: last_node}]
nodes:
  total: {type: transform, params: {script: "return { total: input.body.items.reduce((a, b) => a + b, 0) }"}}
`,
    );
    const res = await postJson(h.path, { items: [1, 2, 3] });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ total: 6 });
  });

  it("answers 502 flow_failed with the execution id, not the run's error message, when the run fails", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: last_node}]
nodes:
  boom: {type: transform, params: {script: "throw new Error('db.internal:5432 refused')"}}
`,
    );
    const res = await postJson(h.path, {});
    const error = await expectError(res, 502, "flow_failed");
    const details = error.details as { execution_id: string; status: string; error_code: string; node_id: string };
    expect(details).toMatchObject({ status: "failed", node_id: "boom" });
    expect(JSON.stringify(error)).not.toContain("db.internal");
    const run = await getExecution(user, details.execution_id);
    expect(run.status).toBe("failed");
    expect(run.error!.code).toBe(details.error_code);
  });

  it("answers 202 when the run is still going at response_timeout, and the run goes on", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: last_node, response_timeout: 300ms}]
nodes:
  slow: {type: delay, params: {duration: 1500ms}, next: {default: out}}
  out: {type: transform, params: {script: "return 'late'"}}
`,
    );
    const started = Date.now();
    const res = await postJson(h.path, {});
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(1_400);
    const { execution_id, status } = (await res.json()) as { execution_id: string; status: string };
    expect(["running", "waiting"]).toContain(status);
    expect(await getExecution(user, execution_id, 10)).toMatchObject({ status: "completed", output: "late" });
  });

  it("does not hold the caller while the run waits for an event", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: last_node, response_timeout: 20s}]
nodes:
  approve: {type: wait, params: {type: event, event: go}}
`,
    );
    const started = Date.now();
    const res = await postJson(h.path, {});
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe("waiting");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("response: respond_node", () => {
  const flow = () => yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: respond_node, dedup_header: X-Delivery}]
nodes:
  ack:
    type: respond
    params:
      status: 201
      headers: {Content-Type: text/xml, X-Order: "\${input.body.order}"}
      body: "<accepted order='\${input.body.order}'/>"
    next: {default: slow}
  slow: {type: delay, params: {duration: 1500ms}, next: {default: done}}
  done: {type: transform, params: {script: "return { finished: input.status }"}}
`;

  it("answers as soon as the respond node ran, while the run goes on", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, flow());
    const res = await postJson(h.path, { order: 7 }, { "X-Delivery": "d-1" });
    const answeredAt = Date.now();
    expect(res.status).toBe(201);
    expect(res.headers.get("Content-Type")).toBe("text/xml");
    expect(res.headers.get("X-Order")).toBe("7");
    const text = await res.text();
    expect(text).toBe("<accepted order='7'/>");

    const [run] = await runsOf(user, h);
    // Answered before the delay after the respond node was over.
    const during = await getExecution(user, run!.id);
    expect(["running", "waiting"]).toContain(during.status);
    const finished = await getExecution(user, run!.id, 10);
    expect(finished).toMatchObject({ status: "completed", output: { finished: 201 } });
    const steps = await stepsOf(user, run!.id);
    expect(steps.map((s) => [s.node_id, s.status])).toEqual([
      ["ack", "completed"],
      ["slow", "completed"],
      ["done", "completed"],
    ]);
    expect(steps[0]!.output).toEqual({
      status: 201,
      headers: { "content-type": "text/xml", "x-order": "7" },
      body: "<accepted order='7'/>",
    });
    expect(Date.parse(steps[1]!.finished_at!)).toBeGreaterThan(answeredAt);

    // A redelivery is answered the same, from the recorded step, with no second run.
    const again = await postJson(h.path, { order: 8 }, { "X-Delivery": "d-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("X-Order")).toBe("7");
    expect(await again.text()).toBe(text);
    expect(await runsOf(user, h)).toHaveLength(1);
  });

  it("answers from the run's output when no respond node ran", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: respond_node}]
nodes:
  pick:
    type: condition
    params: {conditions: [{condition: "input.body.answer", action: ack}], default_action: skip}
    next: {ack: ack, skip: quiet}
  ack: {type: respond, params: {status: 200, body: {answered: true}}}
  quiet: {type: transform, params: {script: "return { answered: false }"}}
`,
    );
    const answered = await postJson(h.path, { answer: true });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ answered: true });
    const quiet = await postJson(h.path, { answer: false });
    expect(quiet.status).toBe(200);
    expect(await quiet.json()).toEqual({ answered: false });
  });

  it("sends a JSON body by default (the node's input), and no body for 204", async () => {
    const user = await signUp();
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: respond_node}]
nodes:
  shape: {type: transform, params: {script: "return input.body.status ? { status: input.body.status } : { echo: input.body }"}, next: {default: answer}}
  answer: {type: respond, params: {status: "\${input.status || 200}"}}
`,
    );
    const json = await postJson(h.path, { a: [1, "x"] });
    expect(json.status).toBe(200);
    expect(json.headers.get("Content-Type")).toBe("application/json");
    expect(await json.json()).toEqual({ echo: { a: [1, "x"] } });
    const empty = await postJson(h.path, { status: 204 });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("never sends a secret value: the answer is the step's output, redacted like any other", async () => {
    const user = await signUp();
    await putSecret(user, "PARTNER_KEY", "pk-live-7777");
    const h = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${name()}}
triggers: [{type: webhook, response: respond_node}]
nodes:
  leak: {type: respond, params: {headers: {X-Key: "\${secrets.PARTNER_KEY}"}, body: {key: "\${secrets.PARTNER_KEY}"}}}
`,
    );
    const res = await postJson(h.path, {});
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Key")).toBe("[REDACTED]");
    const text = await res.text();
    expect(text).not.toContain("pk-live-7777");
    expect(JSON.parse(text)).toEqual({ key: "[REDACTED]" });
  });

  it("only records its output in a run started through the API", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, flow());
    const run = await runFlow(user, h.flowId, { body: { order: 9 } });
    expect(run).toMatchObject({ status: "completed", output: { finished: 201 } });
    const steps = await stepsOf(user, run.id);
    expect(steps[0]).toMatchObject({ node_id: "ack", status: "completed", output: { status: 201, body: "<accepted order='9'/>" } });
  });
});
