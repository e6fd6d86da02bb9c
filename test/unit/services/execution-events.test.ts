import { describe, expect, it } from "vitest";
import {
  eventKey,
  flowTriggerFires,
  runEvent,
  statusEventType,
  stepFailedEvent,
  subscriptionWants,
  type RunFacts,
} from "../../../src/services/execution-events";
import { webhookUrlProblem } from "../../../src/services/webhooks";
import type { TriggerRecord } from "../../../src/storage/types";

const run: RunFacts = {
  id: "exe_1",
  flow_id: "flw_1",
  flow_version: 3,
  status: "failed",
  trigger: "cron:trg_1",
  error: { code: "script_error", message: "boom", node_id: "n1" },
  output_preview: null,
};

describe("execution events", () => {
  it("names an event for each status a run reaches, none for running", () => {
    expect(statusEventType("running")).toBeNull();
    expect(["waiting", "completed", "failed", "cancelled"].map((s) => statusEventType(s as "waiting"))).toEqual([
      "execution.waiting",
      "execution.completed",
      "execution.failed",
      "execution.cancelled",
    ]);
  });

  it("carries the run's facts, its error and output preview, nothing else", () => {
    expect(runEvent("execution.failed", run, "2026-01-01T00:00:00.000Z")).toEqual({
      type: "execution.failed",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: {
        execution_id: "exe_1",
        flow_id: "flw_1",
        flow_version: 3,
        status: "failed",
        trigger: "cron:trg_1",
        error: { code: "script_error", message: "boom", node_id: "n1" },
      },
    });
    const done = runEvent("execution.completed", { ...run, status: "completed", error: null, output_preview: '{"a":1}' }, "t");
    expect(done.data).toEqual({
      execution_id: "exe_1",
      flow_id: "flw_1",
      flow_version: 3,
      status: "completed",
      trigger: "cron:trg_1",
      output_preview: '{"a":1}',
    });
    expect(stepFailedEvent({ ...run, status: "running", error: null }, "n2", { code: "http_error", message: "503" }, "t").data).toEqual({
      execution_id: "exe_1",
      flow_id: "flw_1",
      flow_version: 3,
      status: "running",
      trigger: "cron:trg_1",
      node_id: "n2",
      error: { code: "http_error", message: "503", node_id: "n2" },
    });
  });

  it("keys events so that a repeat has the same key and another wait or step does not", () => {
    expect(eventKey("execution.completed", { id: "exe_1", step_count: 4 })).toBe(
      eventKey("execution.completed", { id: "exe_1", step_count: 9 }),
    );
    expect(eventKey("execution.waiting", { id: "exe_1", step_count: 4 })).not.toBe(
      eventKey("execution.waiting", { id: "exe_1", step_count: 6 }),
    );
    expect(eventKey("step.failed", { id: "exe_1", step_count: 4 }, 7)).not.toBe(eventKey("step.failed", { id: "exe_1", step_count: 4 }, 8));
  });

  it("matches subscriptions by event type (or *) and flow", () => {
    expect(subscriptionWants({ events: ["*"], flow_id: null }, "step.failed", "flw_1")).toBe(true);
    expect(subscriptionWants({ events: ["execution.failed"], flow_id: null }, "execution.completed", "flw_1")).toBe(false);
    expect(subscriptionWants({ events: ["execution.failed"], flow_id: "flw_1" }, "execution.failed", "flw_1")).toBe(true);
    expect(subscriptionWants({ events: ["*"], flow_id: "flw_2" }, "execution.failed", "flw_1")).toBe(false);
  });

  it("fires a flow trigger for its watched flow and statuses only", () => {
    const trigger = {
      kind: "flow",
      config: { type: "flow", id: "after", flow_id: "flw_1", on: ["completed", "failed"] },
    } as unknown as TriggerRecord;
    expect(flowTriggerFires(trigger, "flw_1", "completed")).toBe(true);
    expect(flowTriggerFires(trigger, "flw_1", "cancelled")).toBe(false);
    expect(flowTriggerFires(trigger, "flw_2", "completed")).toBe(false);
    expect(flowTriggerFires({ ...trigger, kind: "cron" }, "flw_1", "completed")).toBe(false);
  });
});

describe("webhook URLs", () => {
  it("takes https to public hosts", () => {
    expect(webhookUrlProblem("https://example.com/hooks?token=1", "deny")).toBeNull();
  });

  it("takes plain http only to loopback, and only when private addresses are allowed", () => {
    expect(webhookUrlProblem("http://127.0.0.1:8080/hook", "allow")).toBeNull();
    expect(webhookUrlProblem("http://localhost/hook", "allow")).toBeNull();
    expect(webhookUrlProblem("http://[::1]/hook", "allow")).toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:8080/hook", "deny")).toMatch(/must use https/);
    expect(webhookUrlProblem("http://example.com/hook", "allow")).toMatch(/must use https/);
    expect(webhookUrlProblem("http://10.0.0.1/hook", "allow")).toMatch(/must use https/);
  });

  it("refuses private and reserved addresses under the deny policy, as ctx.http does", () => {
    for (const url of [
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://169.254.169.254/latest",
      "https://[::1]/x",
      "https://0x7f.1/x",
    ]) {
      expect(webhookUrlProblem(url, "deny"), url).toMatch(/not allowed/);
    }
    expect(webhookUrlProblem("https://10.1.2.3/x", "allow")).toBeNull();
  });

  it("refuses other schemes, credentials, and what is not a URL, without repeating it", () => {
    expect(webhookUrlProblem("ftp://example.com/x", "allow")).toMatch(/https/);
    expect(webhookUrlProblem("example.com/hook", "allow")).toMatch(/absolute https URL/);
    const problem = webhookUrlProblem("https://alice:s3cret@example.com/x", "allow");
    expect(problem).toMatch(/username or password/);
    expect(problem).not.toContain("s3cret");
    expect(webhookUrlProblem(`https://example.com/${"a".repeat(3000)}`, "allow")).toMatch(/2048/);
  });
});
