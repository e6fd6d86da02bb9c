/**
 * Plugin node types in runs: an HTTP plugin called with a signed POST (the tickets server of
 * examples/plugins/ verifies the signature), retries on 503, the operator's service-binding plugin,
 * runs pinned to the plugin version they started with, and the test call.
 */
import { describe, expect, it } from "vitest";
import type { PluginTestResult } from "../../src/services/plugin-schemas";
import { call, expectError, getExecution, runFlow, saveFlow, signUp, untilStatus, yaml, type TestUser } from "../helpers/api";
import { crash } from "../helpers/crash";
import { addTickets, giveSecret, json, receivedBy } from "../helpers/plugins";

async function steps(user: TestUser, id: string) {
  const res = await call(`/api/v1/executions/${id}/steps`, { headers: user.auth });
  return (
    (await res.json()) as {
      steps: { node_id: string; status: string; attempt: number; action: string | null; error: { code: string; message: string } | null }[];
    }
  ).steps;
}

async function logs(user: TestUser, id: string): Promise<string> {
  return (await call(`/api/v1/executions/${id}/logs`, { headers: user.auth })).text();
}

describe("HTTP plugins in flows", () => {
  it("runs a node as a signed POST, with templates, its action and its logs", async () => {
    const user = await signUp();
    const { tenant } = await addTickets(user);
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Support intake}
nodes:
  open:
    type: tickets.create
    params: {title: "Printer \${input.floor}", priority: "\${input.priority}"}
    next: {urgent: page, default: file}
  page: {type: transform, params: {script: "return { paged: input.id }"}}
  file: {type: transform, params: {script: "return { filed: input.id }"}}
`,
    );
    const run = await runFlow(user, flow, { floor: 3, priority: "high", email: "sam@example.com" });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ paged: "T-1" });
    const [received] = await receivedBy(tenant);
    // What the server accepted after checking the signature with the secret shown at creation.
    expect(received).toMatchObject({
      type: "tickets.create",
      params: { title: "Printer 3", priority: "high" },
      input: { floor: 3, priority: "high", email: "sam@example.com" },
      execution: { id: run.id, flow_id: flow, node_id: "open", attempt: 1 },
    });
    expect(received!.webhook_id).toBe(`msg_${received!.execution.idempotency_key}`);
    expect((await steps(user, run.id)).find((s) => s.node_id === "open")).toMatchObject({ status: "completed", action: "urgent" });
    expect(await logs(user, run.id)).toContain("tickets.create: created T-1");
  });

  it("fails the step when the signature does not verify, and retries a 503 under the node's retry policy", async () => {
    const user = await signUp();
    const { tenant } = await addTickets(user);
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Flaky plugin}
nodes:
  call:
    type: tickets.flaky
    params: {fail_times: 2}
    retry: {max_retries: 3, wait: 20ms}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toMatchObject({ attempts: 3 });
    expect((await steps(user, run.id)).map((s) => [s.attempt, s.status, s.error?.code ?? null])).toEqual([
      [1, "retrying", "plugin_unavailable"],
      [2, "retrying", "plugin_unavailable"],
      [3, "completed", null],
    ]);

    // The server now holds another secret: FlowRunner's signature no longer verifies, the call is refused.
    await giveSecret(tenant, "whsec_" + btoa("someone else's key 0123"));
    const refused = await runFlow(user, flow);
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatchObject({ code: "bad_signature", node_id: "call" });
  });

  it("turns a plugin's error into the step's error, not retried when the plugin says so", async () => {
    const user = await signUp();
    await addTickets(user);
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Rejected}
nodes:
  call:
    type: tickets.reject
    params: {reason: "duplicate of T-9"}
    retry: {max_retries: 3, wait: 10ms}
    next: {error: report}
  report: {type: transform, params: {script: "return { code: input.code, message: input.message }"}}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ code: "ticket_rejected", message: "duplicate of T-9" });
    expect((await steps(user, run.id)).filter((s) => s.node_id === "call")).toHaveLength(1);
  });

  it("gives a plugin node the lifecycle of a built-in: batch items, hooks and secrets redacted", async () => {
    const user = await signUp();
    const { tenant } = await addTickets(user);
    expect(
      (await call("/api/v1/accounts/me/secrets/TICKET_TOKEN", { method: "PUT", headers: user.auth, json: { value: "tok-s3cret-42" } }))
        .status,
    ).toBeLessThan(300);
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Batch tickets}
nodes:
  open:
    type: tickets.create
    batch: {items: "\${input.titles}", strategy: parallel, max_parallel: 2}
    params: {title: "\${input} (\${secrets.TICKET_TOKEN})"}
    hooks:
      post: "return { output: output.map((t) => t.title), action: 'default' }"
`,
    );
    const run = await runFlow(user, flow, { titles: ["a", "b", "c"] });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    // The plugin received the secret's value; the run's records show it redacted.
    expect((await receivedBy(tenant)).map((c) => c.params.title).sort()).toEqual([
      "a (tok-s3cret-42)",
      "b (tok-s3cret-42)",
      "c (tok-s3cret-42)",
    ]);
    expect(JSON.stringify(run.output)).not.toContain("tok-s3cret-42");
    expect(run.output).toEqual(["a ([REDACTED])", "b ([REDACTED])", "c ([REDACTED])"]);
  });

  it("keeps a waiting run on the plugin version it started with while the plugin is updated, across a crash", async () => {
    const user = await signUp();
    const { url } = await addTickets(user);
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Pinned}
nodes:
  hold: {type: wait, params: {type: event, event: go}, next: {default: open}}
  open: {type: tickets.create, params: {title: "after the wait"}}
`,
    );
    const first = await runFlow(user, flow, {}, 0);
    expect((await getExecution(user, first.id, 1)).status).toBe("waiting");
    // Version 2 points at the same server with ?v=2, which the server echoes as served_by.
    await json(await call("/api/v1/plugins/tickets", { method: "PUT", headers: user.auth, json: { url: `${url}&v=2` } }), 200);
    // The waiting run's object dies: it comes back from its durable snapshot, pins included.
    await crash(first.id);
    const second = await runFlow(user, flow, {}, 0);
    for (const run of [first, second]) {
      expect((await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: {} })).status).toBe(202);
    }
    const [done1, done2] = [await untilStatus(user, first.id, "completed"), await untilStatus(user, second.id, "completed")];
    expect(done1.output).toMatchObject({ served_by: "1" });
    expect(done2.output).toMatchObject({ served_by: "2" });
  });

  it("test-runs a node type with sample params and input", async () => {
    const user = await signUp();
    await addTickets(user);
    const ok = await json<PluginTestResult>(
      await call("/api/v1/plugins/tickets/test", {
        method: "POST",
        headers: user.auth,
        json: { node: "create", params: { title: "Sample" }, input: { email: "a@b.c" } },
      }),
      200,
    );
    expect(ok).toMatchObject({ ok: true, action: "default", output: { id: "T-1", title: "Sample", requester: "a@b.c" } });
    const failed = await json<PluginTestResult>(
      await call("/api/v1/plugins/tickets/test", { method: "POST", headers: user.auth, json: { node: "reject", params: {} } }),
      200,
    );
    expect(failed).toMatchObject({ ok: false, error: { code: "ticket_rejected", retryable: false } });
    const bad = await expectError(
      await call("/api/v1/plugins/tickets/test", { method: "POST", headers: user.auth, json: { node: "create", params: { title: 5 } } }),
      400,
      "validation_failed",
    );
    expect(bad.details).toMatchObject({ field: "params" });
    await expectError(
      await call("/api/v1/plugins/tickets/test", { method: "POST", headers: user.auth, json: { node: "nope", params: {} } }),
      400,
      "validation_failed",
    );
  });
});

describe("service-binding plugins in flows", () => {
  it("runs the operator's Worker through its RPC entrypoint for any account", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Incident}
nodes:
  page:
    type: ops.page
    params: {severity: "\${input.severity}", summary: "disk full on \${input.host}"}
    next: {escalated: escalate}
  escalate: {type: transform, params: {script: "return { escalated: input.summary, attempt: input.attempt }"}}
`,
    );
    const run = await runFlow(user, flow, { severity: "critical", host: "db-1" });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ escalated: "disk full on db-1", attempt: 1 });
    expect(await logs(user, run.id)).toContain("ops.page: paged on-call (critical)");

    const info = await runFlow(user, flow, { severity: "info", host: "db-2" });
    expect(info.output).toMatchObject({ paged: true, severity: "info", input: { severity: "info", host: "db-2" } });
  });

  it("checks params at save time and fails with the plugin's error code, retried when retryable", async () => {
    const user = await signUp();
    const invalid = await call("/api/v1/flows", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: yaml`
metadata: {name: Bad page}
nodes:
  page: {type: ops.page, params: {severity: loud, summary: x}}
`,
    });
    const error = await expectError(invalid, 400, "validation_failed");
    expect((error.details as { errors: { code: string; line: number }[] }).errors[0]).toMatchObject({ code: "invalid_param", line: 3 });

    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Failing}
nodes:
  fail: {type: ops.fail, params: {code: quota_exceeded, retryable: true}, retry: {max_retries: 2, wait: 10ms}}
`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "quota_exceeded", node_id: "fail", message: "failed on purpose (attempt 3)" });
    expect((await steps(user, run.id)).map((s) => s.status)).toEqual(["retrying", "retrying", "failed"]);
  });
});
