/**
 * A flow's triggers as the registry keeps them: saved with each version, ids kept per key, listed in
 * the flow's detail with webhook URLs, removed with the flow, paused all at once by the flow switch,
 * and recorded on every execution as what started it.
 */
import { describe, expect, it } from "vitest";
import { call, expectError, signUp, yaml, type TestUser } from "../helpers/api";

interface TriggerView {
  id: string;
  key: string;
  type: string;
  source: string;
  enabled: boolean;
  paused: boolean;
  url?: string;
  config: Record<string, unknown>;
}
interface FlowDetail {
  id: string;
  version: number;
  enabled: boolean;
  triggers: TriggerView[];
}

const flowWith = (...triggers: string[]) => yaml`
metadata: {name: triggered}
triggers:
${triggers.join("\n")}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

async function save(user: TestUser, content: string, id?: string, ifMatch?: number): Promise<Response> {
  return call(id ? `/api/v1/flows/${id}` : "/api/v1/flows", {
    method: id ? "PUT" : "POST",
    headers: { ...user.auth, ...(ifMatch ? { "If-Match": `"${ifMatch}"` } : {}) },
    json: { content },
  });
}

async function created(user: TestUser, content: string): Promise<FlowDetail> {
  const res = await save(user, content);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as FlowDetail;
}

async function detail(user: TestUser, id: string): Promise<FlowDetail> {
  const res = await call(`/api/v1/flows/${id}`, { headers: user.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as FlowDetail;
}

const byKey = (flow: FlowDetail) => Object.fromEntries(flow.triggers.map((t) => [t.key, t]));

describe("a flow's triggers", () => {
  it("are listed in the flow's detail with public ids and webhook URLs on the caller's origin", async () => {
    const user = await signUp();
    const flow = await created(
      user,
      flowWith('  - {type: cron, cron: "0 9 * * *", timezone: Europe/Paris}', "  - {type: webhook, id: inbound}"),
    );
    expect(flow.enabled).toBe(true);
    const { cron, inbound } = byKey(flow);
    expect(cron).toMatchObject({ type: "cron", source: "flow", enabled: true, paused: false, config: { timezone: "Europe/Paris" } });
    expect(cron!.id).toMatch(/^trg_[0-9a-z]{25}$/);
    expect(cron!.url).toBeUndefined();
    expect(inbound!.url).toBe(`http://flowrunner.test/hooks/${inbound!.id}`);
    expect((await detail(user, flow.id)).triggers).toEqual(flow.triggers);
  });

  it("keep their ids while versions keep their keys, are replaced with the version atomically, and a refused save changes none", async () => {
    const user = await signUp();
    const flow = await created(user, flowWith("  - {type: webhook, id: a}", "  - {type: webhook, id: b}"));
    const before = byKey(flow);

    const updated = await save(user, flowWith("  - {type: webhook, id: a, methods: [PUT]}", "  - {type: webhook, id: c}"), flow.id, 1);
    expect(updated.status).toBe(200);
    const after = byKey((await updated.json()) as FlowDetail);
    expect(Object.keys(after).sort()).toEqual(["a", "c"]);
    expect(after.a!.id).toBe(before.a!.id);
    expect(after.a!.config.methods).toEqual(["PUT"]);
    expect(after.c!.id).not.toBe(before.b!.id);
    expect(byKey(await detail(user, flow.id))).toEqual(after);

    // A stale If-Match and an invalid flow are refused, and the triggers stay as they were.
    await expectError(await save(user, flowWith("  - {type: webhook, id: z}"), flow.id, 1), 412, "precondition_failed");
    await expectError(
      await save(user, flowWith("  - {type: webhook, id: z, verify: {scheme: github}}"), flow.id),
      400,
      "validation_failed",
    );
    expect(byKey(await detail(user, flow.id))).toEqual(after);

    // A version without triggers removes them all.
    const bare = await save(
      user,
      yaml`
metadata: {name: triggered}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`,
      flow.id,
    );
    expect(((await bare.json()) as FlowDetail).triggers).toEqual([]);
  });

  it("are reported at their line and column when invalid, and nothing is saved", async () => {
    const user = await signUp();
    const res = await save(user, flowWith('  - {type: cron, cron: "0 25 * * *"}'));
    const error = await expectError(res, 400, "validation_failed");
    expect(error.details).toMatchObject({ errors: [{ code: "invalid_cron", path: ["triggers", 0, "cron"], line: 3, column: 24 }] });
    const list = (await call("/api/v1/flows", { headers: user.auth }).then((r) => r.json())) as { flows: unknown[] };
    expect(list.flows).toEqual([]);
  });

  it("warn at save about a flow trigger watching a flow the account does not have", async () => {
    const user = await signUp();
    const other = await signUp();
    const foreign = await created(other, flowWith("  - {type: webhook}"));
    const res = await save(user, flowWith(`  - {type: flow, flow_id: ${foreign.id}}`));
    expect(res.status).toBe(201);
    const flow = (await res.json()) as FlowDetail & { warnings: { code: string; path: unknown[]; line: number }[] };
    expect(flow.warnings).toMatchObject([{ code: "unknown_flow", path: ["triggers", 0, "flow_id"], line: 3 }]);
    // Watching one of its own flows is fine.
    const mine = await save(user, flowWith(`  - {type: flow, flow_id: ${flow.id}}`), flow.id);
    expect(((await mine.json()) as { warnings: unknown[] }).warnings).toEqual([]);
  });

  it("go with the flow when it is deleted", async () => {
    const user = await signUp();
    const flow = await created(user, flowWith("  - {type: webhook}"));
    expect((await call(`/api/v1/flows/${flow.id}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await call(`/api/v1/flows/${flow.id}`, { headers: user.auth }), 404, "not_found");
    // A new flow declaring the same key gets a URL of its own.
    const again = await created(user, flowWith("  - {type: webhook}"));
    expect(again.triggers[0]!.id).not.toBe(flow.triggers[0]!.id);
  });
});

describe("the flow switch", () => {
  it("disables and enables the flow, without a new version, and the list shows it", async () => {
    const user = await signUp();
    const flow = await created(user, flowWith("  - {type: webhook}"));
    const off = await call(`/api/v1/flows/${flow.id}/disable`, { method: "POST", headers: user.auth });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ id: flow.id, enabled: false, version: 1 });
    expect((await detail(user, flow.id)).enabled).toBe(false);
    const list = (await call("/api/v1/flows", { headers: user.auth }).then((r) => r.json())) as { flows: { enabled: boolean }[] };
    expect(list.flows[0]!.enabled).toBe(false);

    // Saving a new version does not switch it back on.
    await save(user, flowWith("  - {type: webhook, id: other}"), flow.id);
    expect((await detail(user, flow.id)).enabled).toBe(false);

    const on = await call(`/api/v1/flows/${flow.id}/enable`, { method: "POST", headers: user.auth });
    expect(await on.json()).toMatchObject({ enabled: true, version: 2 });
  });

  it("does not stop API runs", async () => {
    const user = await signUp();
    const flow = await created(user, flowWith("  - {type: webhook}"));
    await call(`/api/v1/flows/${flow.id}/disable`, { method: "POST", headers: user.auth });
    const run = await call(`/api/v1/flows/${flow.id}/run?wait=10`, { method: "POST", headers: user.auth, json: { input: { x: 1 } } });
    expect(run.status).toBe(201);
    expect(await run.json()).toMatchObject({ status: "completed", output: { x: 1 }, trigger: "api" });
  });

  it("belongs to the flow's account only", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const flow = await created(owner, flowWith("  - {type: webhook}"));
    await expectError(await call(`/api/v1/flows/${flow.id}/disable`, { method: "POST", headers: stranger.auth }), 404, "not_found");
    expect((await detail(owner, flow.id)).enabled).toBe(true);
  });

  it("is in the audit trail", async () => {
    const user = await signUp();
    const flow = await created(user, flowWith("  - {type: webhook}"));
    await call(`/api/v1/flows/${flow.id}/disable`, { method: "POST", headers: user.auth });
    await expect
      .poll(async () => {
        const res = await call("/api/v1/audit?action=flow.disabled", { headers: user.auth });
        return ((await res.json()) as { events: { target_id: string }[] }).events.map((e) => e.target_id);
      })
      .toEqual([flow.id]);
  });
});

describe("executions by trigger", () => {
  it("filter by trigger type, and refuse an unknown type", async () => {
    const user = await signUp();
    const flow = await created(user, flowWith("  - {type: webhook}"));
    const run = await call(`/api/v1/flows/${flow.id}/run?wait=10`, { method: "POST", headers: user.auth, json: { input: {} } });
    const { id } = (await run.json()) as { id: string };
    const list = async (query: string) =>
      (
        (await call(`/api/v1/executions?${query}`, { headers: user.auth }).then((r) => r.json())) as { executions: { id: string }[] }
      ).executions.map((e) => e.id);
    expect(await list("trigger_type=api")).toEqual([id]);
    expect(await list("trigger_type=webhook")).toEqual([]);
    expect(await list(`trigger_id=${flow.triggers[0]!.id}`)).toEqual([]);
    await expectError(await call("/api/v1/executions?trigger_type=fax", { headers: user.auth }), 400, "validation_failed");
  });
});
