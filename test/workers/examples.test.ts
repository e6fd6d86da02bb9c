/// <reference types="vite/client" />
/**
 * Every flow in examples/ is saved and run here through the public API (the
 * llm-*.yaml ones in examples-llm.test.ts), and what it produces is checked
 * value by value. The flows take the base URL of
 * the services they call from their run input, so these runs call the
 * loopback server of test/global-setup.ts.
 */
import { describe, expect, inject, it } from "vitest";
import approval from "../../examples/approval.yaml?raw";
import batch from "../../examples/batch.yaml?raw";
import branchingConditions from "../../examples/branching-conditions.yaml?raw";
import branchingScript from "../../examples/branching-script.yaml?raw";
import dynamodbOrders from "../../examples/dynamodb-orders.yaml?raw";
import httpTransform from "../../examples/http-transform.yaml?raw";
import parallelJoin from "../../examples/parallel-join.yaml?raw";
import postgresUpsert from "../../examples/postgres-upsert.yaml?raw";
import retryErrorEdge from "../../examples/retry-error-edge.yaml?raw";
import subflowChild from "../../examples/subflow-child.yaml?raw";
import subflowParent from "../../examples/subflow-parent.yaml?raw";
import webhookGithub from "../../examples/webhook-github.yaml?raw";
import scheduledDigest from "../../examples/scheduled-digest.yaml?raw";
import { DynamoClient } from "../../src/lib/dynamodb/client";
import storeCounter from "../../examples/store-counter.yaml?raw";
import dedupeItems from "../../examples/dedupe-items.yaml?raw";
import { createHttpClient } from "../../src/nodes/capabilities/http";
import { buildRequest, sendRequest } from "../../src/nodes/http-request/run";
import { NodeError } from "../../src/engine/outcome";
import type { NodeContext } from "../../src/nodes/types";
import { call, getExecution, runFlow, saveFlow, signUp, uniqueName, type TestUser, expectValidFlow } from "../helpers/api";
import { executionsOf, githubHeaders, hook, putSecret, saveHookFlow } from "../helpers/hooks";
import { ordersTableDefinition } from "../../scripts/standins/dynamodb-orders.mjs";

const HTTP = inject("httpBase");

const EXAMPLES: Record<string, string> = {
  "approval.yaml": approval,
  "batch.yaml": batch,
  "branching-conditions.yaml": branchingConditions,
  "branching-script.yaml": branchingScript,
  "dynamodb-orders.yaml": dynamodbOrders,
  "http-transform.yaml": httpTransform,
  "parallel-join.yaml": parallelJoin,
  "postgres-upsert.yaml": postgresUpsert,
  "retry-error-edge.yaml": retryErrorEdge,
  "subflow-child.yaml": subflowChild,
  "subflow-parent.yaml": subflowParent,
  "webhook-github.yaml": webhookGithub,
  "scheduled-digest.yaml": scheduledDigest,
  "store-counter.yaml": storeCounter,
  "dedupe-items.yaml": dedupeItems,
};

interface Step {
  seq: number;
  node_id: string;
  attempt: number;
  status: string;
  action: string | null;
  started_at: string;
  finished_at: string | null;
  input: unknown;
  output: unknown;
  error: { code: string; message: string; node_id: string; details?: unknown } | null;
}

async function stepsOf(user: TestUser, id: string, query = ""): Promise<Step[]> {
  const res = await call(`/api/v1/executions/${id}/steps${query}`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { steps: Step[] }).steps;
}

async function logsOf(user: TestUser, id: string): Promise<{ node_id: string | null; level: string; message: string }[]> {
  const res = await call(`/api/v1/executions/${id}/logs`, { headers: user.auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { logs: { node_id: string | null; level: string; message: string }[] }).logs;
}

/** [node, status, action, attempt] of each step, in order: the path the run took. */
const path = (steps: Step[]) => steps.map((s) => [s.node_id, s.status, s.action, s.attempt]);

async function hits(key: string): Promise<number> {
  const res = await fetch(`${HTTP}/count/${key}`);
  return ((await res.json()) as { count: number }).count;
}

async function pollStatus(user: TestUser, id: string, status: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await getExecution(user, id);
    if (execution.status === status || Date.now() > deadline) return execution;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("examples/", () => {
  it.each(Object.keys(EXAMPLES))("%s validates with no errors and no warnings", async (name) => {
    await expectValidFlow(EXAMPLES[name]!);
  });

  it("http-transform: calls the API with templated URL, query and headers, then reshapes the answer", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, httpTransform);
    const run = await runFlow(user, flow, { base: HTTP, customer_id: "c-42", status: "open" });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({
      customer: "c-42",
      status_filter: "open",
      limit: 50,
      request_id: run.id,
      http_status: 200,
      took_ms: expect.any(Number),
    });

    const steps = await stepsOf(user, run.id);
    expect(path(steps)).toEqual([
      ["fetch_orders", "completed", "success", 1],
      ["summarise", "completed", "default", 1],
    ]);
    expect(steps[0]!.output).toMatchObject({
      status_code: 200,
      success: true,
      body: { method: "GET", query: { status: "open", limit: "50" } },
      metadata: { request_url: `${HTTP}/echo/customers/c-42/orders?status=open&limit=50`, request_method: "GET" },
    });
    expect(await logsOf(user, run.id)).toEqual([
      expect.objectContaining({
        node_id: "fetch_orders",
        level: "info",
        message: `GET ${HTTP}/echo/customers/c-42/orders?status=open&limit=50 → 200`,
      }),
    ]);
  });

  it("branching-script: the returned string picks the edge, and an action without an edge takes `default`", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, branchingScript);
    const cases = [
      {
        input: { id: "o-1", items: [] },
        output: { order: "o-1", decision: "rejected", reason: "no items" },
        action: "empty",
        next: "reject",
      },
      {
        input: { id: "o-2", items: [{ sku: "A", qty: 5, price: 300 }] },
        output: { order: "o-2", decision: "review", total: 1500 },
        action: "large",
        next: "manual_review",
      },
      {
        input: { id: "o-3", items: [{ sku: "B", qty: 2, price: 40 }] },
        output: { order: "o-3", decision: "approved", total: 80 },
        action: "small",
        next: "auto_approve",
      },
    ];
    for (const c of cases) {
      const run = await runFlow(user, flow, c.input);
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.output).toEqual(c.output);
      const steps = await stepsOf(user, run.id);
      expect(path(steps)).toEqual([
        ["classify", "completed", c.action, 1],
        [c.next, "completed", "default", 1],
      ]);
      // A condition passes its input on unchanged.
      expect(steps[0]!.output).toEqual(c.input);
      expect(steps[1]!.input).toEqual(c.input);
    }
  });

  it("branching-conditions: the first truthy condition wins, else default_action", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, branchingConditions);
    const cases = [
      // Both the total and express match: the first condition in the list wins.
      {
        input: { id: "o-1", total: 1500, country: "US", express: true },
        lane: "insured",
        output: { order: "o-1", lane: "insured", carrier: "secure-freight" },
      },
      {
        input: { id: "o-2", total: 90, country: "DE", express: true },
        lane: "express",
        output: { order: "o-2", lane: "express", carrier: "overnight" },
      },
      {
        input: { id: "o-3", total: 90, country: "DE", express: false },
        lane: "international",
        output: { order: "o-3", lane: "international", carrier: "global-post", country: "DE" },
      },
      {
        input: { id: "o-4", total: 90, country: "US", express: false },
        lane: "standard",
        output: { order: "o-4", lane: "standard", carrier: "ground" },
      },
    ];
    for (const c of cases) {
      const run = await runFlow(user, flow, c.input);
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.output).toEqual(c.output);
      expect(path(await stepsOf(user, run.id))).toEqual([
        ["pick_lane", "completed", c.lane, 1],
        [c.lane, "completed", "default", 1],
      ]);
    }
  });

  describe("retry-error-edge", () => {
    it("retries a flaky call with exponential back-off until it succeeds", async () => {
      const user = await signUp();
      const flow = await saveFlow(user, retryErrorEdge);
      const key = uniqueName("ship");
      const run = await runFlow(user, flow, { base: HTTP, key, fail_times: 2 });
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.output).toEqual({ delivered: true, partner_attempt: 3 });
      expect(await hits(key)).toBe(3);

      const steps = await stepsOf(user, run.id);
      expect(path(steps)).toEqual([
        ["notify_partner", "retrying", null, 1],
        ["notify_partner", "retrying", null, 2],
        ["notify_partner", "completed", "success", 3],
        ["record", "completed", "default", 1],
      ]);
      for (const failed of steps.slice(0, 2)) {
        expect(failed.error).toMatchObject({ code: "script_runtime", node_id: "notify_partner" });
        expect(failed.error!.message).toContain("partner answered 503");
      }
      // Exponential back-off from 50ms with jitter in the upper half: 25-50 ms, then 50-100 ms.
      const gap = (i: number) => Date.parse(steps[i + 1]!.started_at) - Date.parse(steps[i]!.finished_at!);
      expect(gap(0)).toBeGreaterThanOrEqual(25);
      expect(gap(1)).toBeGreaterThanOrEqual(50);
      expect(gap(1)).toBeLessThan(2_000);
    });

    it("takes the error edge with the error as input once the retries are used up", async () => {
      const user = await signUp();
      const flow = await saveFlow(user, retryErrorEdge);
      const key = uniqueName("ship");
      const run = await runFlow(user, flow, { base: HTTP, key, fail_times: 5 });
      // The error edge handled the failure, so the run itself completes.
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.error).toBeNull();
      expect(run.output).toEqual({
        delivered: false,
        failed_node: "notify_partner",
        code: "script_runtime",
        reason: expect.stringContaining("partner answered 503"),
      });
      // max_retries: 2 → exactly three calls, never a fourth.
      expect(await hits(key)).toBe(3);

      const steps = await stepsOf(user, run.id);
      expect(path(steps)).toEqual([
        ["notify_partner", "retrying", null, 1],
        ["notify_partner", "retrying", null, 2],
        ["notify_partner", "failed", null, 3],
        ["give_up", "completed", "default", 1],
      ]);
      const error = steps[2]!.error!;
      expect(error).toMatchObject({ code: "script_runtime", node_id: "notify_partner", details: { kind: "runtime" } });
      // The node on the error edge receives the error object itself.
      expect(steps[3]!.input).toEqual(error);
      expect(await logsOf(user, run.id)).toContainEqual(
        expect.objectContaining({
          node_id: "give_up",
          level: "warn",
          message: expect.stringContaining("giving up on notify_partner: hooks.post: Error: partner answered 503"),
        }),
      );
    });
  });

  it("parallel-join: three branches run and merge runs once with every output keyed by its source node", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, parallelJoin);
    const run = await runFlow(user, flow, { base: HTTP, customer_id: "c-42", orders: [120, 80, 310] });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({
      arrived: ["orders", "profile", "risk"],
      profile_path: "/echo/customers/c-42",
      order_count: 3,
      risk: { lifetime_value: 510, band: "low" },
    });

    const steps = await stepsOf(user, run.id);
    expect(steps.map((s) => s.node_id).sort()).toEqual(["merge", "orders", "profile", "risk", "start"]);
    expect(steps.every((s) => s.status === "completed" && s.attempt === 1)).toBe(true);
    expect(steps[0]!.node_id).toBe("start");
    expect(steps.at(-1)!.node_id).toBe("merge");

    const merge = await stepsOf(user, run.id, "?node_id=merge&full=true");
    expect(merge).toHaveLength(1);
    const input = merge[0]!.input as Record<string, { status_code?: number; body?: unknown }>;
    expect(Object.keys(input).sort()).toEqual(["orders", "profile", "risk"]);
    expect(input.risk).toEqual({ lifetime_value: 510, band: "low" });
    expect(input.profile).toMatchObject({ status_code: 200, body: { method: "GET" } });
    expect(input.orders).toMatchObject({ status_code: 200, body: { query: { count: "3" } } });
    // Each branch's output arrives unchanged.
    for (const source of ["profile", "orders", "risk"]) {
      const [step] = await stepsOf(user, run.id, `?node_id=${source}&full=true`);
      expect(input[source]).toEqual(step!.output);
    }
  });

  describe("approval", () => {
    it("waits for the approval event, then continues with its payload", async () => {
      const user = await signUp();
      const flow = await saveFlow(user, approval);
      const started = await runFlow(user, flow, { expense_id: "exp-9", amount: 420, requested_by: "dana" }, 0);
      expect(["running", "waiting"]).toContain(started.status);

      const waiting = await pollStatus(user, started.id, "waiting");
      expect(waiting.status).toBe("waiting");
      expect(waiting.current_nodes).toEqual(["await_approval"]);
      expect(waiting.waiting_for).toEqual([{ node_id: "await_approval", state: "waiting_event", event: "approval" }]);
      const before = await stepsOf(user, started.id);
      expect(path(before)).toEqual([
        ["request", "completed", "default", 1],
        ["await_approval", "waiting", null, 1],
      ]);

      const payload = { approved: true, by: "lee", note: "within budget" };
      const sent = await call(`/api/v1/executions/${started.id}/events/approval`, { method: "POST", headers: user.auth, json: payload });
      expect(sent.status).toBe(202);
      expect(((await sent.json()) as { delivered: number }).delivered).toBe(1);

      const done = await getExecution(user, started.id, 5);
      expect(done.status).toBe("completed");
      expect(done.output).toEqual({ expense_id: "exp-9", status: "booked", amount: 420, approved_by: "lee", note: "within budget" });
      const steps = await stepsOf(user, started.id);
      expect(path(steps)).toEqual([
        ["request", "completed", "default", 1],
        ["await_approval", "completed", "default", 1],
        ["decide", "completed", "approved", 1],
        ["book", "completed", "default", 1],
      ]);
      expect(steps[1]!.output).toEqual(payload);

      // The run is over: later events are refused.
      const late = await call(`/api/v1/executions/${started.id}/events/approval`, { method: "POST", headers: user.auth, json: payload });
      expect(late.status).toBe(409);
    });

    it("routes a refusal to reject", async () => {
      const user = await signUp();
      const flow = await saveFlow(user, approval);
      const started = await runFlow(user, flow, { expense_id: "exp-10", amount: 9000, requested_by: "dana" }, 0);
      expect((await pollStatus(user, started.id, "waiting")).status).toBe("waiting");
      await call(`/api/v1/executions/${started.id}/events/approval`, {
        method: "POST",
        headers: user.auth,
        json: { approved: false, by: "kim" },
      });
      const done = await getExecution(user, started.id, 5);
      expect(done.output).toEqual({ expense_id: "exp-10", status: "rejected", by: "kim" });
    });

    it("takes the timeout edge when nobody answers in time", async () => {
      const user = await signUp();
      // The same flow with a deadline a test can wait for.
      const flow = await saveFlow(user, approval.replace("timeout: 1h", "timeout: 300ms"));
      const run = await runFlow(user, flow, { expense_id: "exp-11", amount: 5, requested_by: "dana" }, 10);
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.output).toEqual({ expense_id: "exp-11", status: "escalated", waited_for: "approval" });
      const steps = await stepsOf(user, run.id);
      expect(path(steps)).toEqual([
        ["request", "completed", "default", 1],
        ["await_approval", "completed", "timeout", 1],
        ["escalate", "completed", "default", 1],
      ]);
      expect(steps[1]!.output).toEqual({ event: "approval", timed_out: true });
    });
  });

  describe("subflow", () => {
    it("runs the child flow and continues with its output", async () => {
      const user = await signUp();
      const child = await saveFlow(user, subflowChild);
      const parent = await saveFlow(user, subflowParent);
      const lines = [
        { sku: "A", qty: 2, price: 20 },
        { sku: "B", qty: 1, price: 10 },
      ];
      const run = await runFlow(user, parent, { pricing_flow: child, order: { id: "o-3", lines }, tax_rate: 0.2 });
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.output).toEqual({ order: "confirmed", total: 60, tax: 10, lines: 2 });

      const steps = await stepsOf(user, run.id);
      expect(path(steps)).toEqual([
        ["price_order", "completed", "default", 1],
        ["confirm", "completed", "default", 1],
      ]);
      expect(steps[0]!.output).toEqual({ subtotal: 50, tax: 10, total: 60, lines: 2 });

      // The child is an execution of its own, linked to the parent.
      const res = await call(`/api/v1/executions?flow_id=${child}`, { headers: user.auth });
      const { executions } = (await res.json()) as {
        executions: { id: string; parent_id: string | null; trigger: string; status: string }[];
      };
      expect(executions).toHaveLength(1);
      expect(executions[0]).toMatchObject({ parent_id: run.id, trigger: "subflow", status: "completed" });
      const childRun = await getExecution(user, executions[0]!.id);
      expect(childRun.status).toBe("completed");
      expect((childRun as unknown as { input: unknown }).input).toEqual({ lines, tax_rate: 0.2 });
      expect(childRun.output).toEqual({ subtotal: 50, tax: 10, total: 60, lines: 2 });
    });

    it("takes the error edge when the child flow does not exist", async () => {
      const user = await signUp();
      const parent = await saveFlow(user, subflowParent);
      const run = await runFlow(user, parent, {
        pricing_flow: "flw_0000000000000000000000000",
        order: { id: "o-4", lines: [] },
        tax_rate: 0,
      });
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(run.output).toEqual({ order: "on_hold", reason: "No flow 'flw_0000000000000000000000000' in this account" });
      const steps = await stepsOf(user, run.id);
      expect(path(steps)).toEqual([
        ["price_order", "failed", null, 1],
        ["price_failed", "completed", "default", 1],
      ]);
      expect(steps[0]!.error).toMatchObject({ code: "flow_not_found", node_id: "price_order" });
    });
  });

  it("batch: runs the node once per order, in parallel, with outputs in item order", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, batch);
    const orders = [
      { id: "o-1", lines: [{ qty: 2, price: 5 }] },
      { id: "o-2", lines: [{ qty: 1, price: 150 }] },
      { id: "o-3", lines: [] },
      {
        id: "o-4",
        lines: [
          { qty: 3, price: 30 },
          { qty: 1, price: 20 },
        ],
      },
      { id: "o-5", lines: [{ qty: 10, price: 1 }] },
    ];
    const run = await runFlow(user, flow, { orders });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ count: 5, ids: ["o-1", "o-2", "o-3", "o-4", "o-5"], grand_total: 280, big_orders: ["o-2", "o-4"] });

    const steps = await stepsOf(user, run.id);
    // The whole batch is one step of the node.
    expect(path(steps)).toEqual([
      ["price_each", "completed", "default", 1],
      ["summarise", "completed", "default", 1],
    ]);
    expect(steps[0]!.output).toEqual([
      { id: "o-1", total: 10, big: false },
      { id: "o-2", total: 150, big: true },
      { id: "o-3", total: 0, big: false },
      { id: "o-4", total: 110, big: true },
      { id: "o-5", total: 10, big: false },
    ]);
  });
});

describe("dynamodb-orders", () => {
  const { dynamodb } = inject("storageServices");

  it.skipIf("skip" in dynamodb)("writes an order once and lists the customer's latest orders, credentials never shown", async () => {
    if ("skip" in dynamodb) return;
    const table = `orders_${uniqueName()}`.replace(/[^A-Za-z0-9_.-]/g, "_");
    await new DynamoClient({ ...dynamodb, table }).send("CreateTable", ordersTableDefinition(table));
    const user = await signUp();
    const secretKey = "example-aws-secret-key-0123456789";
    const res = await call("/api/v1/accounts/me/secrets/AWS", {
      method: "PUT",
      headers: user.auth,
      json: { type: "aws", data: { access_key_id: "AKIAEXAMPLE0000001", secret_access_key: secretKey } },
    });
    expect([200, 201]).toContain(res.status);
    const flow = await saveFlow(user, dynamodbOrders);
    const order = (id: string, total: number) => ({
      endpoint: dynamodb.endpoint,
      table,
      customer: "c-1",
      order_id: id,
      total,
      lines: [{ sku: "tea", qty: 2 }],
    });
    for (const [id, total] of [
      ["o-001", 5],
      ["o-002", 7.5],
      ["o-003", 12],
    ] as const) {
      const earlier = await runFlow(user, flow, order(id, total));
      expect(earlier.status, JSON.stringify(earlier.error)).toBe("completed");
    }
    const run = await runFlow(user, flow, order("o-004", 3));
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const output = run.output as { items: { order_id: string; total: number }[]; count: number; next_cursor: string | null };
    expect(output.items.map((i) => [i.order_id, i.total])).toEqual([
      ["o-004", 3],
      ["o-003", 12],
      ["o-002", 7.5],
    ]);
    expect(output.items[0]).toEqual({ customer: "c-1", order_id: "o-004", total: 3, lines: [{ sku: "tea", qty: 2 }] });
    expect(output.next_cursor).toEqual(expect.any(String));
    expect(path(await stepsOf(user, run.id))).toEqual([
      ["order", "completed", "default", 1],
      ["record", "completed", "default", 1],
      ["latest", "completed", "default", 1],
    ]);

    // The same order again: the condition keeps the first one, and the flow still lists.
    const again = await runFlow(user, flow, order("o-004", 99));
    expect(again.status).toBe("completed");
    const steps = await stepsOf(user, again.id);
    expect(path(steps)).toEqual([
      ["order", "completed", "default", 1],
      ["record", "completed", "condition_failed", 1],
      ["latest", "completed", "default", 1],
    ]);
    expect((again.output as typeof output).items[0]!.total).toBe(3);
    const seen = JSON.stringify([steps, await logsOf(user, again.id)]);
    expect(seen).not.toContain(secretKey);
  });
});

describe("scheduled-digest", () => {
  it("is scheduled for the next weekday at 08:30 in Paris, and runs with the input it is given", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, scheduledDigest);
    const res = await call(`/api/v1/schedules?flow_id=${flow}`, { headers: user.auth });
    const { schedules } = (await res.json()) as { schedules: { state: string; next_fire_at: string; timezone: string }[] };
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ state: "active", timezone: "Europe/Paris" });
    const next = new Date(schedules[0]!.next_fire_at);
    const paris = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "short", hour: "2-digit", minute: "2-digit" });
    expect(paris.format(next)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 08:30$/);
    expect(next.getTime()).toBeGreaterThan(Date.now());

    const run = await runFlow(user, flow, { base: `${HTTP}/echo`, status: "open", limit: 5 });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ open: 0, titles: [], http_status: 200 });
  });
});

describe("store-counter", () => {
  it("counts visits per page across runs, and the count is readable outside them", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, storeCounter);
    expect((await runFlow(user, flow, { page: "/pricing" })).output).toEqual({ page: "/pricing", visits: 1, first_visit: true });
    expect((await runFlow(user, flow, { page: "/pricing" })).output).toEqual({ page: "/pricing", visits: 2, first_visit: false });
    expect((await runFlow(user, flow, { page: "/docs" })).output).toEqual({ page: "/docs", visits: 1, first_visit: true });
    const res = await call(`/api/v1/store/${encodeURIComponent("visits:/pricing")}`, { headers: user.auth });
    expect(await res.json()).toMatchObject({ value: 2, version: 2 });
  });
});

describe("dedupe-items", () => {
  it("processes each id once across runs, and remembers the ids with a TTL", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, dedupeItems);
    const first = await runFlow(user, flow, {
      items: [
        { id: "a-1", amount: 5 },
        { id: "a-2", amount: 7 },
      ],
    });
    expect(first.status, JSON.stringify(first.error)).toBe("completed");
    expect(first.output).toEqual({ processed: ["a-1", "a-2"], total: 12, skipped: 0 });
    const second = await runFlow(user, flow, {
      items: [
        { id: "a-2", amount: 7 },
        { id: "a-3", amount: 1 },
      ],
    });
    expect(second.output).toEqual({ processed: ["a-3"], total: 1, skipped: 1 });
    const again = await runFlow(user, flow, { items: [{ id: "a-1", amount: 5 }] });
    expect(again.output).toEqual({ processed: [], total: 0, skipped: 1 });
    const seen = await call("/api/v1/store?namespace=dedupe", { headers: user.auth });
    expect(await seen.json()).toEqual({ keys: ["seen:a-1", "seen:a-2", "seen:a-3"], next_cursor: null });
    const entry = (await (await call("/api/v1/store/seen%3Aa-1?namespace=dedupe", { headers: user.auth })).json()) as {
      expires_at: string;
    };
    const ttl = new Date(entry.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(23 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it("lets only one of two concurrent runs process a new id", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, dedupeItems);
    const runs = await Promise.all([1, 2].map(() => runFlow(user, flow, { items: [{ id: "race", amount: 1 }] })));
    const processed = runs.flatMap((run) => (run.output as { processed: string[] }).processed);
    expect(processed).toEqual(["race"]);
  });
});

describe("webhook-github", () => {
  const push = {
    ref: "refs/heads/main",
    repository: { full_name: "acme/widgets" },
    pusher: { name: "dana" },
    commits: [{ message: "Fix the widget\n\nLong story." }, { message: "Add a test" }],
  };

  it("answers GitHub at once, then summarises the push; a redelivery starts nothing", async () => {
    const user = await signUp();
    await putSecret(user, "GITHUB_WEBHOOK_SECRET", "gh-example-secret");
    const h = await saveHookFlow(user, webhookGithub);
    const body = JSON.stringify(push);
    const delivery = crypto.randomUUID();
    const headers = await githubHeaders("gh-example-secret", body, delivery, "push");

    const res = await hook(h.path, { body, headers });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: delivery });
    const [run] = await executionsOf(user, `trigger_id=${h.triggerId}`);
    const done = await getExecution(user, run!.id, 5);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.output).toEqual({
      repository: "acme/widgets",
      branch: "main",
      pusher: "dana",
      commits: 2,
      titles: ["Fix the widget", "Add a test"],
      answered: 202,
    });
    expect(path(await stepsOf(user, run!.id))).toEqual([
      ["route", "completed", "push", 1],
      ["accept", "completed", "default", 1],
      ["summarise", "completed", "default", 1],
    ]);

    const redelivered = await hook(h.path, { body, headers });
    expect(redelivered.status).toBe(202);
    expect(await redelivered.json()).toEqual({ accepted: delivery });
    expect(await executionsOf(user, `trigger_id=${h.triggerId}`)).toHaveLength(1);
  });

  it("answers GitHub's ping, ignores other events, and refuses a delivery signed with another secret", async () => {
    const user = await signUp();
    await putSecret(user, "GITHUB_WEBHOOK_SECRET", "gh-example-secret");
    const h = await saveHookFlow(user, webhookGithub);
    const ping = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 42 });
    const pong = await hook(h.path, { body: ping, headers: await githubHeaders("gh-example-secret", ping, crypto.randomUUID(), "ping") });
    expect(pong.status).toBe(200);
    expect(await pong.json()).toEqual({ ok: true, hook_id: 42 });

    const star = JSON.stringify({ action: "created" });
    const ignored = await hook(h.path, {
      body: star,
      headers: await githubHeaders("gh-example-secret", star, crypto.randomUUID(), "star"),
    });
    expect(ignored.status).toBe(202);
    expect(await ignored.json()).toEqual({ ignored: "star" });

    const forged = await hook(h.path, { body: ping, headers: await githubHeaders("not-the-secret", ping, crypto.randomUUID(), "ping") });
    expect(forged.status).toBe(401);
    expect(await executionsOf(user, `trigger_id=${h.triggerId}`)).toHaveLength(2);
  });
});

describe("http.request timeout covers the whole response", () => {
  // Found while writing the examples: the request timeout was disarmed as soon as the
  // headers arrived, so a server that sent headers and then stalled the body hung the step.
  const stalledBody = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"partial": '));
          // ...and nothing more, ever.
        },
      }),
      { headers: { "Content-Type": "application/json" } },
    );
  const context = (signal: AbortSignal): Pick<NodeContext, "http" | "signal" | "now" | "log"> => ({
    signal,
    http: createHttpClient({ fetch: async () => stalledBody(), privateNetwork: "deny" }),
    now: () => Date.now(),
    log: () => undefined,
  });
  const params = (timeout: number) => ({
    url: "https://api.example.test/slow-body",
    method: "GET" as const,
    timeout,
    follow_redirects: true,
  });

  it("fails with http_timeout when the body stalls past the timeout", async () => {
    const error = await sendRequest(context(new AbortController().signal), buildRequest(params(150))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ code: "http_timeout", retryable: true });
  });

  it("stops reading when the step is aborted (node timeout or cancel)", async () => {
    const step = new AbortController();
    const pending = sendRequest(context(step.signal), buildRequest(params(30_000))).then(
      () => null,
      (e: unknown) => e,
    );
    const reason = new NodeError("cancelled", "The execution ended");
    setTimeout(() => step.abort(reason), 50);
    // The step's own reason comes back, so the engine records why the step stopped.
    expect(await pending).toBe(reason);
  });
});

describe.skipIf("skip" in inject("storageServices").postgres)("postgres-upsert", () => {
  it("inserts a contact, then updates it on the next run, with the connection string kept out of the run", async () => {
    const user = await signUp();
    const services = inject("storageServices").postgres;
    // The run's own schema, dropped when the test run ends.
    const url = ("url" in services ? services.url : "").replace("root@", "root:example-pw-8d1f@");
    const res = await call("/api/v1/accounts/me/secrets/DATABASE_URL", { method: "PUT", headers: user.auth, json: { value: url } });
    expect([200, 201]).toContain(res.status);
    const flow = await saveFlow(user, postgresUpsert);
    const email = `${uniqueName("ann")}@Example.com`;
    const first = await runFlow(user, flow, { email, name: "Ann" });
    expect(first.status, JSON.stringify(first.error)).toBe("completed");
    expect(first.output).toEqual({ contact: { email: email.toLowerCase(), name: "Ann", visits: 1 }, inserted: true });
    const second = await runFlow(user, flow, { email: email.toUpperCase(), name: "Ann B." });
    expect(second.output).toEqual({ contact: { email: email.toLowerCase(), name: "Ann B.", visits: 2 }, inserted: false });
    const seen = JSON.stringify([await stepsOf(user, second.id, "?full=true"), await logsOf(user, second.id)]);
    expect(seen).not.toContain("example-pw-8d1f");
  });
});
