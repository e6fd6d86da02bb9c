/**
 * Account metrics and the operator's Prometheus endpoint through the Worker. Also run once per storage
 * provider (the workers-postgres and workers-dynamodb projects, test/storage-projects.ts).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { BASE, call, expectError, runFlow, saveFlow, signUp, yaml } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { OPENAI, scriptedKey } from "../helpers/openai-standin";

interface Metrics {
  since: string;
  until: string;
  runs: { total: number; by_status: Record<string, number> };
  flows: { flow_id: string; name: string | null; total: number; by_status: Record<string, number> }[];
  duration_ms: { finished: number; p50: number | null; p95: number | null };
  failing_nodes: { node_id: string; flow_id: string; count: number }[];
  steps: number;
  tokens: number;
  truncated: boolean;
}

async function metricsOf(auth: Record<string, string>, query = ""): Promise<Metrics> {
  const res = await call(`/api/v1/metrics${query}`, { headers: auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Metrics;
}

describe("account metrics", () => {
  it("counts the account's runs by status and flow, with durations, failing nodes, steps and model tokens", async () => {
    const user = await signUp();
    const ok = await saveFlow(
      user,
      yaml`
metadata: {name: Ok}
nodes:
  a: {type: transform, params: {script: "return 1"}, next: {default: b}}
  b: {type: transform, params: {script: "return 2"}}
`,
    );
    const bad = await saveFlow(
      user,
      yaml`
metadata: {name: Bad}
nodes:
  boom: {type: transform, params: {script: "throw new Error('no')"}}
`,
    );
    const key = await scriptedKey({
      replies: [{ content: "Paris.", usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } }],
    });
    await putSecret(user, "MODEL_KEY", key);
    const llm = await saveFlow(
      user,
      yaml`
metadata: {name: Ask}
nodes:
  ask:
    type: llm
    params: {provider: standin, base_url: "${OPENAI.url}", api_key: "\${secrets.MODEL_KEY}", model: gpt-4.1-mini, messages: [{role: user, content: "Capital of France?"}]}
`,
    );
    for (let i = 0; i < 3; i++) expect((await runFlow(user, ok)).status).toBe("completed");
    for (let i = 0; i < 2; i++) expect((await runFlow(user, bad)).status).toBe("failed");
    expect((await runFlow(user, llm, {}, 30)).status).toBe("completed");

    const metrics = await metricsOf(user.auth);
    expect(Date.parse(metrics.until) - Date.parse(metrics.since)).toBe(86_400_000);
    expect(metrics.runs).toEqual({ total: 6, by_status: { completed: 4, failed: 2 } });
    expect(metrics.flows).toEqual([
      { flow_id: ok, name: "Ok", total: 3, by_status: { completed: 3 } },
      { flow_id: bad, name: "Bad", total: 2, by_status: { failed: 2 } },
      { flow_id: llm, name: "Ask", total: 1, by_status: { completed: 1 } },
    ]);
    expect(metrics.failing_nodes).toEqual([{ node_id: "boom", flow_id: bad, count: 2 }]);
    expect(metrics.steps).toBe(3 * 2 + 2 + 1);
    expect(metrics.tokens).toBe(18);
    expect(metrics.duration_ms.finished).toBe(6);
    expect(metrics.duration_ms.p50).toBeGreaterThanOrEqual(0);
    expect(metrics.duration_ms.p95).toBeGreaterThanOrEqual(metrics.duration_ms.p50!);
    expect(metrics.truncated).toBe(false);

    expect((await metricsOf(user.auth, "?window=1h")).runs.total).toBe(6);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const empty = await metricsOf(user.auth, `?since=${encodeURIComponent(future)}&until=${encodeURIComponent(later)}`);
    expect(empty).toMatchObject({ since: future, runs: { total: 0 }, flows: [], tokens: 0, duration_ms: { p50: null } });

    // Another account sees none of it.
    const other = await signUp();
    expect((await metricsOf(other.auth)).runs).toEqual({ total: 0, by_status: {} });
  });

  it("refuses bad windows and anonymous callers", async () => {
    const user = await signUp();
    await expectError(await call("/api/v1/metrics?window=2h", { headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/metrics?since=yesterday", { headers: user.auth }), 400, "validation_failed");
    await expectError(
      await call("/api/v1/metrics?since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z", { headers: user.auth }),
      400,
      "bad_request",
    );
    await expectError(await call("/api/v1/metrics?window=1h&since=2030-01-01T00:00:00Z", { headers: user.auth }), 400, "bad_request");
    await expectError(
      await call("/api/v1/metrics?since=2020-01-01T00:00:00Z&until=2030-01-01T00:00:00Z", { headers: user.auth }),
      400,
      "bad_request",
    );
    await expectError(await call("/api/v1/metrics"), 401, "unauthorized");
  });
});

describe("GET /metrics (Prometheus, operators)", () => {
  async function scrape(headers: Record<string, string>, bindings: Partial<typeof env> = { OPERATOR_TOKEN: "op-token-0123456789" }) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`${BASE}/metrics`, { headers }), { ...env, ...bindings }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("is hidden while OPERATOR_TOKEN is unset, and wants the operator token, not an account's", async () => {
    const user = await signUp();
    await expectError(await call("/metrics", { headers: user.auth }), 404, "not_found");
    await expectError(await scrape({}), 401, "unauthorized");
    await expectError(await scrape({ Authorization: "Bearer op-token-wrong" }), 401, "unauthorized");
    await expectError(await scrape(user.auth), 401, "unauthorized");
  });

  it("answers text exposition format 0.0.4 with the last day's runs, accounts and flows", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Counted}
nodes:
  a: {type: transform, params: {script: "return 1"}}
`,
    );
    await runFlow(user, flow);
    const res = await scrape({ Authorization: "Bearer op-token-0123456789" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    const samples = new Map<string, number>();
    const typed = new Set<string>();
    for (const line of text.trimEnd().split("\n")) {
      const type = /^# TYPE (\w+) gauge$/.exec(line);
      if (type) typed.add(type[1]!);
      if (line.startsWith("#")) continue;
      const sample = /^(\w+)(\{status="\w+"\})? (\d+)$/.exec(line);
      expect(sample, line).not.toBeNull();
      expect(typed.has(sample![1]!)).toBe(true);
      samples.set(sample![1]! + (sample![2] ?? ""), Number(sample![3]));
    }
    expect(samples.get("flowrunner_accounts")).toBeGreaterThanOrEqual(1);
    expect(samples.get("flowrunner_flows")).toBeGreaterThanOrEqual(1);
    expect(samples.has('flowrunner_runs_last_24h{status="waiting"}')).toBe(true);
    if (samples.get("flowrunner_metrics_truncated") === 0) {
      expect(samples.get('flowrunner_runs_last_24h{status="completed"}')).toBeGreaterThanOrEqual(1);
    }
  });
});
