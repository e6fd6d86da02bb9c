import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { createStorage } from "../../src/storage";
import { createD1Storage } from "../../src/storage/d1";
import { call, expectError, getExecution, runFlow, saveFlow, signUp, yaml } from "../helpers/api";

const HTTP = inject("httpBase");

// The execution index through the API. Also run once per storage provider
// (the workers-postgres and workers-dynamodb projects in vitest.config.ts).
describe("execution index", () => {
  it("lists executions with filters and cursor pagination", async () => {
    const user = await signUp();
    const ok = await saveFlow(
      user,
      yaml`
metadata: {name: Ok}
nodes:
  a: {type: transform, params: {script: "return 1"}}
`,
    );
    const bad = await saveFlow(
      user,
      yaml`
metadata: {name: Bad}
nodes:
  a: {type: transform, params: {script: "throw 1"}}
`,
    );
    for (let i = 0; i < 3; i++) await runFlow(user, ok);
    await runFlow(user, bad);
    const page = async (q: string) =>
      (await (await call(`/api/v1/executions?${q}`, { headers: user.auth })).json()) as {
        executions: { flow_id: string; status: string }[];
        next_cursor: string | null;
      };
    expect((await page(`flow_id=${ok}`)).executions).toHaveLength(3);
    expect((await page("status=failed")).executions.map((e) => e.flow_id)).toEqual([bad]);
    const first = await page("limit=3");
    expect(first.executions).toHaveLength(3);
    const rest = await page(`limit=3&cursor=${encodeURIComponent(first.next_cursor!)}`);
    expect(rest.executions).toHaveLength(1);
    expect(rest.next_cursor).toBeNull();
    await expectError(await call("/api/v1/executions?status=bogus", { headers: user.auth }), 400, "validation_failed");
  });

  it("filters by creation time, with the flow and status filters and across pages", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Timed}
nodes:
  a: {type: transform, params: {script: "if (input.fail) throw new Error('no'); return 1"}}
`,
    );
    const runs: { id: string; created_at: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await runFlow(user, flow, { fail: i === 3 });
      runs.push({ id: run.id, created_at: (await getExecution(user, run.id)).created_at });
      await new Promise((r) => setTimeout(r, 5)); // distinct creation times, to the millisecond
    }
    const ids = async (q: string) =>
      ((await (await call(`/api/v1/executions?${q}`, { headers: user.auth })).json()) as { executions: { id: string }[] }).executions.map(
        (e) => e.id,
      );
    const at = (i: number) => encodeURIComponent(runs[i]!.created_at);
    // since is inclusive, until exclusive; newest first.
    expect(await ids(`since=${at(1)}&until=${at(4)}`)).toEqual([runs[3]!.id, runs[2]!.id, runs[1]!.id]);
    expect(await ids(`since=${at(3)}`)).toEqual([runs[4]!.id, runs[3]!.id]);
    expect(await ids(`until=${at(1)}`)).toEqual([runs[0]!.id]);
    expect(await ids(`since=${at(1)}&until=${at(4)}&status=failed`)).toEqual([runs[3]!.id]);
    expect(await ids(`since=${at(1)}&until=${at(4)}&flow_id=${flow}&status=completed`)).toEqual([runs[2]!.id, runs[1]!.id]);
    expect(await ids(`since=${at(4)}&until=${at(1)}`)).toEqual([]);
    // A time with another zone is the same instant.
    const shifted = new Date(Date.parse(runs[2]!.created_at)).toISOString().replace("Z", "+00:00");
    expect(await ids(`since=${encodeURIComponent(shifted)}&flow_id=${flow}`)).toEqual([runs[4]!.id, runs[3]!.id, runs[2]!.id]);
    // Pages keep the range.
    const first = (await (await call(`/api/v1/executions?since=${at(1)}&limit=2`, { headers: user.auth })).json()) as {
      executions: { id: string }[];
      next_cursor: string;
    };
    expect(first.executions.map((e) => e.id)).toEqual([runs[4]!.id, runs[3]!.id]);
    expect(await ids(`since=${at(1)}&limit=2&cursor=${encodeURIComponent(first.next_cursor)}`)).toEqual([runs[2]!.id, runs[1]!.id]);
    await expectError(await call("/api/v1/executions?since=yesterday", { headers: user.auth }), 400, "validation_failed");
  });

  it("combines the flow and status filters and keeps each account's runs to itself", async () => {
    const [user, other] = [await signUp(), await signUp()];
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Maybe}
nodes:
  a: {type: transform, params: {script: "if (input.fail) throw new Error('no'); return 1"}}
`,
    );
    const failed = await runFlow(user, flow, { fail: true });
    await runFlow(user, flow, { fail: false });
    const list = async (who: typeof user, q: string) =>
      ((await (await call(`/api/v1/executions?${q}`, { headers: who.auth })).json()) as { executions: { id: string }[] }).executions.map(
        (e) => e.id,
      );
    expect(await list(user, `flow_id=${flow}&status=failed`)).toEqual([failed.id]);
    expect(await list(user, `flow_id=${flow}`)).toHaveLength(2);
    expect(await list(other, "")).toEqual([]);
    expect(await list(other, `flow_id=${flow}`)).toEqual([]);
    await expectError(await call(`/api/v1/executions/${failed.id}`, { headers: other.auth }), 404, "not_found");
  });
});

describe("current nodes", () => {
  it("are the same in the detail and in the list while a branch is parked at a join", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Parked at a join}
nodes:
  start:
    type: transform
    params: {script: "return input"}
    next: {default: [quick, approve]}
  quick:
    type: transform
    params: {script: "return 'quick'"}
    next: {default: merge}
  approve:
    type: wait
    params: {type: event, event: approval, timeout: 1h}
    next: {default: merge}
  merge:
    type: transform
    params: {script: "return input"}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    const detail = await getExecution(user, run.id, 1);
    expect(detail.status).toBe("waiting");
    // The branch at `merge` only waits for its sibling: the work still to do is the wait at `approve`.
    expect(detail.current_nodes).toEqual(["approve"]);
    const { executions } = (await (await call(`/api/v1/executions?flow_id=${flow}`, { headers: user.auth })).json()) as {
      executions: { id: string; current_nodes: string[] }[];
    };
    expect(executions.map((e) => [e.id, e.current_nodes])).toEqual([[run.id, detail.current_nodes]]);
  });
});

describe("when a run is listed", () => {
  it("lists a run the caller waits for as running while it runs, and as finished once it answers", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Slow}
nodes:
  a: {type: http.request, params: {url: "${HTTP}/slow/1500"}}
`,
    );
    const listed = async () =>
      (
        (await (await call(`/api/v1/executions?flow_id=${flow}`, { headers: user.auth })).json()) as {
          executions: { id: string; status: string }[];
        }
      ).executions;
    const run = runFlow(user, flow, {}, 30);
    let seen: { id: string; status: string }[] = [];
    for (let i = 0; i < 100 && seen.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await listed();
    }
    expect(seen).toEqual([expect.objectContaining({ status: "running" })]);
    const finished = await run;
    expect(finished.status).toBe("completed");
    expect(await listed()).toEqual([expect.objectContaining({ id: finished.id, status: "completed" })]);
  });

  it("lists a run before answering a repeat of its Idempotency-Key that arrives while the first call waits", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Repeated}
nodes:
  a: {type: http.request, params: {url: "${HTTP}/slow/1000"}}
`,
    );
    const headers = { ...user.auth, "Idempotency-Key": "twice" };
    const first = call(`/api/v1/flows/${flow}/run?wait=10`, { method: "POST", headers, json: { input: {} } });
    // Long enough for the first call to have started the run on a loaded machine, well inside the
    // 200 ms before a waited-for run is indexed anyway (what the repeat must not depend on).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const repeat = await call(`/api/v1/flows/${flow}/run`, { method: "POST", headers, json: { input: {} } });
    expect(repeat.status).toBe(200);
    const { id } = (await repeat.json()) as { id: string };
    expect((await call(`/api/v1/executions/${id}`, { headers: user.auth })).status).toBe(200);
    expect((await (await first).json()) as { id: string; status: string }).toMatchObject({ id, status: "completed" });
  });

  it("lists a resumed run as running when it goes to the network, and as finished when it ends", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Resumes}
nodes:
  ask: {type: wait, params: {type: event, event: go}, next: {default: work}}
  work: {type: http.request, params: {url: "${HTTP}/slow/1200"}}
`,
    );
    const listed = async () =>
      ((await (await call(`/api/v1/executions?flow_id=${flow}`, { headers: user.auth })).json()) as { executions: { status: string }[] })
        .executions[0]?.status;
    const run = await runFlow(user, flow, {}, 0);
    for (let i = 0; i < 50 && (await listed()) !== "waiting"; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await listed()).toBe("waiting");
    // Delivering the event answers once the run has gone as far as it can: watch the list meanwhile.
    const sent = call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: {} });
    let status = await listed();
    for (let i = 0; i < 100 && status === "waiting"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = await listed();
    }
    expect(status).toBe("running");
    expect((await sent).status).toBe(202);
    expect((await getExecution(user, run.id, 10)).status).toBe("completed");
    expect(await listed()).toBe("completed");
  });

  it("lists a run started without waiting before the answer leaves", async () => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Later}
nodes:
  a: {type: http.request, params: {url: "${HTTP}/slow/1000"}}
`,
    );
    const started = await runFlow(user, flow, {}, 0);
    const res = await call(`/api/v1/executions/${started.id}`, { headers: user.auth });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("running");
  });
});

// Proves the Worker writes to the provider STORAGE_PROVIDER names (the
// workers-postgres and workers-dynamodb projects set it), and to no other.
describe("the configured storage provider", () => {
  it("holds what the API writes", async () => {
    const provider = env.STORAGE_PROVIDER ?? "d1";
    const user = await signUp();
    expect(await createStorage(env).accounts.getByUsername(user.username)).toMatchObject({ id: user.account_id, username: user.username });
    const inD1 = await createD1Storage(env.DB).accounts.getByUsername(user.username);
    if (provider === "d1") expect(inD1?.id).toBe(user.account_id);
    else expect(inD1).toBeNull();
  });
});
