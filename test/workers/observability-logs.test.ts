/**
 * Structured logs through the Worker: a line per request with its id echoed as X-Request-Id, the run's
 * transitions, and never a token or a secret value in any line (docs/operations.md#logs).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { env } from "cloudflare:test";
import { configureLogging, consoleSink, parseLogLevel } from "../../src/lib/log";
import { call, getExecution, runFlow, saveFlow, signUp, yaml } from "../helpers/api";
import { putSecret } from "../helpers/hooks";

const HTTP = inject("httpBase");
const lines: Record<string, unknown>[] = [];
const texts: string[] = [];

beforeAll(() =>
  configureLogging({
    level: "debug",
    sink: (_level, text) => {
      texts.push(text);
      lines.push(JSON.parse(text) as Record<string, unknown>);
    },
  }),
);
afterAll(() => configureLogging({ level: parseLogLevel(env.LOG_LEVEL), sink: consoleSink }));

const requestLine = (requestId: string) => lines.find((line) => line.message === "request" && line.request_id === requestId);

/** Lines are written after the answer leaves and by the run's object in the background: wait for one. */
async function eventually<T>(find: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error("no such log line");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("request logs", () => {
  it("echo a sane incoming X-Request-Id, else cf-ray, else a new id, and log route, method, status, duration and account", async () => {
    const user = await signUp();
    const given = await call("/api/v1/flows", { headers: { ...user.auth, "X-Request-Id": "req-abc.123" } });
    expect(given.status).toBe(200);
    expect(given.headers.get("X-Request-Id")).toBe("req-abc.123");
    const line = await eventually(() => requestLine("req-abc.123"));
    expect(line).toMatchObject({ level: "info", method: "GET", route: "/api/v1/flows", status: 200, account_id: user.account_id });
    expect(typeof line.duration_ms).toBe("number");
    expect(typeof line.time).toBe("string");

    const ray = await call("/health", { headers: { "X-Request-Id": "bad id with spaces\u0007", "cf-ray": "8f3c2b1a9d4e5f6a-IAD" } });
    expect(ray.headers.get("X-Request-Id")).toBe("8f3c2b1a9d4e5f6a-IAD");
    expect(await eventually(() => requestLine("8f3c2b1a9d4e5f6a-IAD"))).not.toHaveProperty("account_id");

    const fresh = await call("/api/v1/flows/flw_nope", { headers: user.auth });
    expect(fresh.status).toBe(404);
    const id = fresh.headers.get("X-Request-Id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await eventually(() => requestLine(id))).toMatchObject({ route: "/api/v1/flows/:id", status: 404, method: "GET" });
  });

  it("name the route pattern of what answered, and none for paths no route serves", async () => {
    const res = await call("/api/v1/nothing-here", { headers: { "X-Request-Id": "req-unrouted" } });
    expect(res.status).toBe(404);
    expect(await eventually(() => requestLine("req-unrouted"))).toMatchObject({ status: 404, route: "(none)" });
  });
});

describe("run logs and secrets", () => {
  it("log the run's transitions, and no line carries the bearer token, the secret value or the query string", async () => {
    const user = await signUp();
    const secretValue = `s3cr3t-${crypto.randomUUID()}`;
    await putSecret(user, "API_KEY", secretValue);
    const inspectKey = `obs-${crypto.randomUUID()}`;
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Logged}
nodes:
  call:
    type: http.request
    params: {url: "${HTTP}/inspect/${inspectKey}", method: POST, headers: {X-Key: "\${secrets.API_KEY}"}, body: {n: 1}}
    next: {default: boom}
  boom:
    type: transform
    params: {script: "throw new Error('failed with ' + secrets.API_KEY)"}
`,
    );
    const run = await runFlow(user, flow, {}, 10, { "X-Request-Id": "req-run-1" });
    expect(run.status).toBe("failed");
    // The secret really was sent: the server received it.
    const received = (await (await fetch(`${HTTP}/inspected/${inspectKey}`)).json()) as { headers: Record<string, string> }[];
    expect(received[0]?.headers["x-key"]).toBe(secretValue);

    const token = user.token;
    const listed = await call(`/api/v1/executions?flow_id=${flow}&access_token=${token}`, {
      headers: { ...user.auth, "X-Request-Id": "req-q" },
    });
    expect(listed.status).toBe(200);

    expect(await eventually(() => requestLine("req-run-1"))).toMatchObject({
      route: "/api/v1/flows/:id/run",
      method: "POST",
      account_id: user.account_id,
    });
    expect(await eventually(() => requestLine("req-q"))).toMatchObject({ route: "/api/v1/executions" });
    const ofRun = (message: string) => lines.find((line) => line.message === message && line.execution_id === run.id);
    const finished = await eventually(() => ofRun("execution finished"));
    expect(finished).toMatchObject({
      level: "warn",
      flow_id: flow,
      flow_version: 1,
      status: "failed",
      step_count: 2,
      tokens: 0,
      error_node: "boom",
      account_id: user.account_id,
    });
    expect(typeof finished.duration_ms).toBe("number");
    // A run that failed before its first index write gets one line, which carries the trigger.
    const started = ofRun("execution started");
    if (started) expect(started).toMatchObject({ flow_id: flow, trigger: "api" });
    else expect(finished).toMatchObject({ trigger: "api" });
    expect(await eventually(() => ofRun("node failed"))).toMatchObject({ level: "warn", node_id: "boom", attempt: 1 });

    for (const text of texts) {
      expect(text).not.toContain(secretValue);
      expect(text).not.toContain(token);
      expect(text).not.toContain("access_token");
      expect(text).not.toContain(user.password);
    }
  });

  it("log a run that waits for an event and resumes", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Waits}
nodes:
  ask:
    type: wait
    params: {type: event, event: approval, timeout: 1h}
    next: {default: done}
  done:
    type: transform
    params: {script: "return 1"}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    expect((await getExecution(user, run.id, 1)).status).toBe("waiting");
    const ofRun = (message: string) => lines.find((line) => line.message === message && line.execution_id === run.id);
    expect(await eventually(() => ofRun("execution waiting"))).toMatchObject({ waiting_for: ["ask:waiting_event:approval"] });
    const sent = await call(`/api/v1/executions/${run.id}/events/approval`, { method: "POST", headers: user.auth, json: { ok: true } });
    expect(sent.status).toBe(202);
    expect((await getExecution(user, run.id, 5)).status).toBe("completed");
    await eventually(() => ofRun("execution resumed"));
    expect(await eventually(() => ofRun("execution finished"))).toMatchObject({ level: "info", status: "completed", step_count: 2 });
  });
});
