import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createStorage } from "../../src/storage";
import { call, expectError, getExecution, runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";

// API runs and sub-flows load and check a stored flow the same way (prepareRun); these tests hold
// both to the same answers for a missing flow, a missing version and a stored flow that is invalid.

const CALLER = yaml`
metadata: {name: Caller}
nodes:
  call:
    type: flow
    params: {flow_id: "\${input.flow}", input: {n: 2}}
    next: {error: failed}
  failed:
    type: transform
    params: {script: "return { failed: input.code, message: input.message }"}
`;

const PINNED_CALLER = yaml`
metadata: {name: Pinned caller}
nodes:
  call:
    type: flow
    params: {flow_id: "\${input.flow}", version: "\${input.version}", input: {n: 2}}
    next: {error: failed}
  failed:
    type: transform
    params: {script: "return { failed: input.code, message: input.message }"}
`;

const DOUBLE = yaml`
nodes:
  double: {type: transform, params: {script: "return { doubled: input.n * 2 }"}}
`;

/** Stores a flow row whose content no longer validates, as a flow saved under older rules would be. */
async function storeInvalidFlow(user: TestUser): Promise<string> {
  const id = `flw_${"z".repeat(21)}${Math.random().toString(36).slice(2, 6).padEnd(4, "0")}`;
  const now = new Date().toISOString();
  const content = "metadata: {name: Broken}\nnodes:\n  a: {type: no_such_type}\n";
  const record = {
    id,
    account_id: user.account_id,
    name: "Broken",
    description: null,
    version: 1,
    content,
    tags: [],
    category: null,
    status: "draft",
    custom: {},
    enabled: true,
    created_at: now,
    updated_at: now,
  };
  const version = {
    flow_id: id,
    account_id: user.account_id,
    version: 1,
    content,
    name: "Broken",
    description: null,
    created_at: now,
    created_by: user.username,
  };
  await createStorage(env).flows.create(record, version, []);
  return id;
}

describe("starting a stored flow", () => {
  it("runs a sub-flow saved with a name but no metadata.name, as an API run of it does", async () => {
    const user = await signUp();
    const res = await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { name: "Double", content: DOUBLE } });
    expect(res.status, await res.clone().text()).toBe(201);
    const child = ((await res.json()) as { id: string }).id;
    expect((await runFlow(user, child, { n: 2 })).output).toEqual({ doubled: 4 });

    const parent = await saveFlow(user, CALLER);
    const run = await runFlow(user, parent, { flow: child });
    expect(run.status, JSON.stringify(run.output)).toBe("completed");
    expect(run.output).toEqual({ doubled: 4 });
  });

  it("answers a missing flow with 404 to the API and flow_not_found to a flow node", async () => {
    const user = await signUp();
    const missing = "flw_0000000000000000000000000";
    await expectError(await call(`/api/v1/flows/${missing}/run`, { method: "POST", headers: user.auth, json: {} }), 404, "not_found");
    const run = await runFlow(user, await saveFlow(user, CALLER), { flow: missing });
    expect(run.output).toEqual({ failed: "flow_not_found", message: `No flow '${missing}' in this account` });
  });

  it("runs the pinned version of a sub-flow, and answers flow_not_found for a version that does not exist", async () => {
    const user = await signUp();
    const child = await saveFlow(
      user,
      yaml`
metadata: {name: Versioned}
nodes:
  v: {type: transform, params: {script: "return 'one'"}}
`,
    );
    const put = await call(`/api/v1/flows/${child}`, {
      method: "PUT",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: "metadata: {name: Versioned}\nnodes:\n  v: {type: transform, params: {script: \"return 'two'\"}}\n",
    });
    expect(put.status).toBe(200);
    const parent = await saveFlow(user, PINNED_CALLER);
    expect((await runFlow(user, parent, { flow: child, version: 1 })).output).toBe("one");
    expect((await runFlow(user, parent, { flow: child, version: 2 })).output).toBe("two");
    const missing = await runFlow(user, parent, { flow: child, version: 9 });
    expect(missing.output).toEqual({ failed: "flow_not_found", message: `Flow '${child}' has no version 9` });
  });

  it("refuses a stored flow that is not valid: 400 with its errors to the API, invalid_flow to a flow node", async () => {
    const user = await signUp();
    const broken = await storeInvalidFlow(user);
    const error = await expectError(
      await call(`/api/v1/flows/${broken}/run`, { method: "POST", headers: user.auth, json: {} }),
      400,
      "validation_failed",
    );
    expect(error.message).toBe("The stored flow is not valid; save a corrected version");
    expect((error.details as { errors: { code: string }[] }).errors.length).toBeGreaterThan(0);

    const run = await runFlow(user, await saveFlow(user, CALLER), { flow: broken });
    expect(run.output).toEqual({ failed: "invalid_flow", message: `Flow '${broken}' version 1 is not valid` });
    const { executions } = (await (await call(`/api/v1/executions?flow_id=${broken}`, { headers: user.auth })).json()) as {
      executions: unknown[];
    };
    expect(executions).toEqual([]);
    expect((await getExecution(user, run.id)).status).toBe("completed");
  });
});
