/** The `store` node in real runs: atomic increments across concurrent runs, actions, isolation, errors. */
import { describe, expect, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, signUp, yaml, type TestUser } from "../../helpers/api";

const storeGet = async (user: TestUser, key: string) => {
  const res = await call(`/api/v1/store/${encodeURIComponent(key)}`, { headers: user.auth });
  return res.status === 404 ? undefined : ((await res.json()) as { value: unknown; version: number });
};

const COUNTER = yaml`
metadata: {name: Counter}
nodes:
  bump:
    type: store
    batch: {items: "\${input.times}"}
    params: {operation: increment, key: hits, amount: 1}
`;

const GET_ROUTED = yaml`
metadata: {name: Lookup}
nodes:
  look:
    type: store
    params: {operation: get, key: "\${input.key}", with_version: "\${input.versioned}"}
    next: {default: found, not_found: missing}
  found: {type: transform, params: {script: "return {found: input}"}}
  missing: {type: transform, params: {script: "return {missing: input}"}}
`;

const CLAIM = yaml`
metadata: {name: Claim}
nodes:
  claim:
    type: store
    params: {operation: set, key: "\${input.key}", value: "\${input.value}", if_version: 0, namespace: claims}
    next: {default: won, conflict: lost}
  won: {type: transform, params: {script: "return {won: input}"}}
  lost: {type: transform, params: {script: "return {lost: input}"}}
`;

const OPS = yaml`
metadata: {name: Ops}
nodes:
  s1: {type: store, params: {operation: set, key: "p:1", value: {n: 3, tag: x}}, next: {default: s2}}
  s2: {type: store, params: {operation: set, key: "p:2", value: {n: 1, tag: y}}, next: {default: s3}}
  s3: {type: store, params: {operation: append, key: log, value: first}, next: {default: q}}
  q: {type: store, params: {operation: query, prefix: "p:", filter: {n: {$gte: 1}}, sort: "-n"}, next: {default: l}}
  l: {type: store, params: {operation: list, limit: 1}, next: {default: d}}
  d: {type: store, params: {operation: delete, key: "p:2"}, next: {default: all}}
  all:
    type: transform
    params:
      script: "return {q: results.q, l: results.l, d: results.d, s1: results.s1, s3: results.s3}"
`;

describe("store node", () => {
  it("loses no increment: 20 concurrent runs each increment one key 10 times → exactly 200", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, COUNTER);
    const times = Array.from({ length: 10 }, (_, i) => i);
    const runs = await Promise.all(Array.from({ length: 20 }, () => runFlow(user, flowId, { times }, 30)));
    const finished = await Promise.all(runs.map((run) => (run.status === "running" ? getExecution(user, run.id, 30) : run)));
    expect(finished.map((run) => run.status)).toEqual(Array(20).fill("completed"));
    expect(await storeGet(user, "hits")).toEqual(expect.objectContaining({ value: 200, version: 200 }));
  });

  it("routes a missing key to not_found, and a stored null to default", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, GET_ROUTED);
    expect((await runFlow(user, flowId, { key: "nothing", versioned: false })).output).toEqual({ missing: null });
    await call("/api/v1/store/nil", { method: "PUT", headers: user.auth, json: { value: null } });
    expect((await runFlow(user, flowId, { key: "nil", versioned: false })).output).toEqual({ found: null });
    expect((await runFlow(user, flowId, { key: "nil", versioned: true })).output).toEqual({ found: { value: null, version: 1 } });
  });

  it("lets only one of two runs claim a key with if_version 0; the other takes conflict", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, CLAIM);
    const [a, b] = await Promise.all([
      runFlow(user, flowId, { key: "job", value: "a" }),
      runFlow(user, flowId, { key: "job", value: "b" }),
    ]);
    const outputs = [a.output, b.output] as Record<string, unknown>[];
    const won = outputs.filter((o) => "won" in o);
    const lost = outputs.filter((o) => "lost" in o);
    expect(won).toHaveLength(1);
    expect(lost).toEqual([{ lost: { key: "job", conflict: true, expected_version: 0, current_version: 1 } }]);
    const winner = (won[0]!.won as { key: string; version: number }).version;
    expect(winner).toBe(1);
    const stored = await call("/api/v1/store/job?namespace=claims", { headers: user.auth });
    expect(((await stored.json()) as { value: string }).value).toBe(a.output && "won" in (a.output as object) ? "a" : "b");
  });

  it("answers set, append, query, list and delete in their documented shapes", async () => {
    const user = await signUp();
    const run = await runFlow(user, await saveFlow(user, OPS));
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      s1: { key: "p:1", stored: true, version: 1 },
      s3: { key: "log", appended: "first", length: 1 },
      q: {
        items: [
          { n: 3, tag: "x", _key: "p:1" },
          { n: 1, tag: "y", _key: "p:2" },
        ],
        next_cursor: null,
      },
      l: { keys: ["log"], next_cursor: expect.any(String) },
      d: { deleted: true, key: "p:2" },
    });
  });

  it("keeps accounts apart: a flow reads only its own account's keys", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    await call("/api/v1/store/shared-name", { method: "PUT", headers: alice.auth, json: { value: "alice's" } });
    const flowId = await saveFlow(bob, GET_ROUTED);
    expect((await runFlow(bob, flowId, { key: "shared-name", versioned: false })).output).toEqual({ missing: null });
    const counter = await saveFlow(bob, COUNTER);
    await runFlow(bob, counter, { times: [1] });
    expect(await storeGet(alice, "hits")).toBeUndefined();
    expect(await storeGet(bob, "hits")).toMatchObject({ value: 1 });
  });

  it("fails the step with a clear, non-retried error when a limit is broken", async () => {
    const user = await signUp();
    const flow = yaml`
metadata: {name: Too long}
nodes:
  put:
    type: store
    retry: {max_retries: 3, wait: 10ms}
    params: {operation: set, key: "\${'k'.repeat(600)}", value: 1}
`;
    const run = await runFlow(user, await saveFlow(user, flow));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "invalid_key", message: "A key must be at most 512 bytes of UTF-8", node_id: "put" });
    const steps = (await (await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth })).json()) as { steps: unknown[] };
    expect(steps.steps).toHaveLength(1);
  });
});
