/**
 * The input budget over HTTP: each defect a fuzz of the API found, as a user
 * would hit it, and that a refused write leaves no trace.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { INPUT_BUDGET } from "../../src/input-budget";
import { BASE, call, ECHO_FLOW, expectError, HELLO_FLOW, runFlow, saveFlow, signUp, type TestUser } from "../helpers/api";

const nested = (depth: number, leaf: unknown = 1): string => `${'{"a":'.repeat(depth)}${JSON.stringify(leaf)}${"}".repeat(depth)}`;
const SELF_ANCHOR = "metadata: &m {name: fz, me: *m}\nnodes:\n  a: {type: delay, params: {duration: 1s}}\n";

/** Everything a user can read about their flows, to compare before and after a refused write. */
async function flowState(user: TestUser, id?: string): Promise<string> {
  const list = await (await call("/api/v1/flows", { headers: user.auth })).text();
  if (!id) return list;
  const detail = await call(`/api/v1/flows/${id}`, { headers: user.auth });
  expect(detail.status).toBe(200);
  const versions = await (await call(`/api/v1/flows/${id}/versions`, { headers: user.auth })).text();
  return list + (await detail.text()) + versions;
}

async function limitOf(res: Response, status = 400, code = "validation_failed"): Promise<unknown> {
  const error = await expectError(res, status, code);
  return (error.details as { limit?: unknown }).limit;
}

describe("validator time is bounded", () => {
  it("refuses an alias flood at the alias budget", async () => {
    const user = await signUp();
    const content = `x: &a 1\n${Array.from({ length: 5_000 }, (_, i) => `k${i}: *a`).join("\n")}\n`;
    const res = await call("/api/v1/flows/validate", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: content,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { valid: boolean; errors: { code: string; limit?: string; line: number }[] };
    expect(body.valid).toBe(false);
    expect(body.errors).toEqual([
      expect.objectContaining({ code: "limit_exceeded", limit: "yamlAliases", line: INPUT_BUDGET.yamlAliases + 2 }),
    ]);
  });

  it("names the limit in the details when a save breaks one", async () => {
    const user = await signUp();
    const content = `metadata: {name: big}\nnodes:\n${Array.from({ length: INPUT_BUDGET.nodes + 1 }, (_, i) => `  n${i}: {type: delay}`).join("\n")}\n`;
    const error = await expectError(
      await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content } }),
      400,
      "validation_failed",
    );
    expect(error.details).toMatchObject({ errors: [{ code: "limit_exceeded", limit: "nodes", line: 2, column: 1 }] });
    expect(await flowState(user)).toBe('{"flows":[],"next_cursor":null}');
  });
});

describe("a self-referencing anchor", () => {
  it("is invalid, and neither POST nor PUT stores it", async () => {
    const user = await signUp();
    const validate = await call("/api/v1/flows/validate", { method: "POST", headers: user.auth, json: { content: SELF_ANCHOR } });
    expect(((await validate.json()) as { valid: boolean }).valid).toBe(false);

    await expectError(
      await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content: SELF_ANCHOR } }),
      400,
      "validation_failed",
    );
    expect(await flowState(user)).toBe('{"flows":[],"next_cursor":null}');

    const id = await saveFlow(user, HELLO_FLOW);
    const before = await flowState(user, id);
    await expectError(
      await call(`/api/v1/flows/${id}`, {
        method: "PUT",
        headers: { ...user.auth, "Content-Type": "application/yaml" },
        body: SELF_ANCHOR,
      }),
      400,
      "validation_failed",
    );
    expect(await flowState(user, id)).toBe(before);
    const run = await call(`/api/v1/flows/${id}/run?wait=5`, { method: "POST", headers: user.auth, json: { input: { name: "x" } } });
    expect(run.status).toBe(201);
  });
});

describe("deep nesting", () => {
  it("refuses a run input, event payload and rerun input past the depth budget, before the execution sees them", async () => {
    const user = await signUp();
    const id = await saveFlow(user, ECHO_FLOW);
    const headers = { ...user.auth, "Content-Type": "application/json" };
    expect(await limitOf(await call(`/api/v1/flows/${id}/run`, { method: "POST", headers, body: `{"input": ${nested(5_000)}}` }))).toBe(
      "jsonDepth",
    );
    // Even 500,000 levels (the most a 1 MiB body holds) are refused on the text, unparsed.
    expect(
      await limitOf(
        await call(`/api/v1/flows/${id}/run`, { method: "POST", headers, body: `{"input": ${"[".repeat(500_000)}${"]".repeat(500_000)}}` }),
      ),
    ).toBe("jsonDepth");

    const run = await runFlow(user, id, { ok: true });
    expect(run.status).toBe("completed");
    expect(await limitOf(await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers, body: nested(3_000) }))).toBe(
      "jsonDepth",
    );
    expect(
      await limitOf(await call(`/api/v1/executions/${run.id}/rerun`, { method: "POST", headers, body: `{"input": ${nested(5_000)}}` })),
    ).toBe("jsonDepth");

    const list = (await (await call(`/api/v1/executions?flow_id=${id}`, { headers: user.auth })).json()) as { executions: unknown[] };
    expect(list.executions).toHaveLength(1);
  });

  it("runs an input at the depth budget end to end", async () => {
    const user = await signUp();
    const id = await saveFlow(user, ECHO_FLOW);
    // The body wraps the input in {"input": ...}: one level of the budget.
    const input = JSON.parse(nested(INPUT_BUDGET.jsonDepth - 2, "leaf")) as unknown;
    const run = await runFlow(user, id, input);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual(input);
  });

  it("refuses deep custom metadata and the flow stays readable", async () => {
    const user = await signUp();
    const id = await saveFlow(user, HELLO_FLOW);
    const before = await flowState(user, id);
    const res = await call(`/api/v1/flows/${id}/metadata`, {
      method: "PATCH",
      headers: { ...user.auth, "Content-Type": "application/json" },
      body: `{"custom": ${nested(7_000)}}`,
    });
    expect(await limitOf(res)).toBe("jsonDepth");
    expect(await flowState(user, id)).toBe(before);
  });
});

describe("values storage could not keep", () => {
  it("refuses NUL and unpaired surrogates in JSON bodies, with the path", async () => {
    const user = await signUp();
    const id = await saveFlow(user, ECHO_FLOW);
    const headers = { ...user.auth, "Content-Type": "application/json" };
    const nul = await call(`/api/v1/flows/${id}/run`, { method: "POST", headers, body: '{"input": {"name": "a\\u0000b"}}' });
    const error = await expectError(nul, 400, "validation_failed");
    expect(error.details).toMatchObject({ limit: "text", fields: [{ path: "input.name" }] });
    const before = await flowState(user, id);
    const patch = await call(`/api/v1/flows/${id}/metadata`, { method: "PATCH", headers, body: '{"tags": ["ok", "\\ud800"]}' });
    expect(await limitOf(patch)).toBe("text");
    expect(await flowState(user, id)).toBe(before);
  });

  it("refuses custom metadata whose merge outgrows the budget, keeping what was stored", async () => {
    const user = await signUp();
    const id = await saveFlow(user, HELLO_FLOW);
    const part = "x".repeat(INPUT_BUDGET.customMetadataBytes / 2);
    const first = await call(`/api/v1/flows/${id}/metadata`, { method: "PATCH", headers: user.auth, json: { custom: { a: part } } });
    expect(first.status).toBe(200);
    const before = await flowState(user, id);
    const second = await call(`/api/v1/flows/${id}/metadata`, { method: "PATCH", headers: user.auth, json: { custom: { b: part } } });
    expect(await limitOf(second)).toBe("customMetadataBytes");
    expect(await flowState(user, id)).toBe(before);
  });
});

describe("stored sizes", () => {
  it("refuses a run input larger than the execution stores, when the body limit is raised past it", async () => {
    const user = await signUp();
    const id = await saveFlow(user, ECHO_FLOW);
    const ctx = createExecutionContext();
    const body = JSON.stringify({ input: { blob: "x".repeat(INPUT_BUDGET.storedValueBytes) } });
    const request = new Request(`${BASE}/api/v1/flows/${id}/run`, {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/json" },
      body,
    });
    const res = await worker.fetch(request, { ...env, MAX_BODY_BYTES: String(4 * 1024 * 1024) }, ctx);
    await waitOnExecutionContext(ctx);
    expect(await limitOf(res)).toBe("storedValueBytes");
    const list = (await (await call(`/api/v1/executions?flow_id=${id}`, { headers: user.auth })).json()) as { executions: unknown[] };
    expect(list.executions).toEqual([]);
  });
});

describe("content types as documented", () => {
  it("accepts every YAML media type on validate, create and update", async () => {
    const user = await signUp();
    const id = await saveFlow(user, HELLO_FLOW);
    for (const type of ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "Text/YAML; charset=UTF-8"]) {
      const headers = { ...user.auth, "Content-Type": type };
      const validate = await call("/api/v1/flows/validate", { method: "POST", headers, body: HELLO_FLOW });
      expect(validate.status, type).toBe(200);
      expect(((await validate.json()) as { valid: boolean }).valid, type).toBe(true);
      expect((await call("/api/v1/flows", { method: "POST", headers, body: HELLO_FLOW })).status, type).toBe(201);
      expect((await call(`/api/v1/flows/${id}`, { method: "PUT", headers, body: HELLO_FLOW })).status, type).toBe(200);
    }
  });

  it("reads media-type parameters leniently and refuses other charsets", async () => {
    const user = await signUp();
    const id = await saveFlow(user, HELLO_FLOW);
    for (const type of [
      "application/json ; charset=utf-8",
      "APPLICATION/JSON;CHARSET=UTF-8",
      'application/json; charset="utf-8"',
      "application/merge-patch+json",
    ]) {
      const res = await call(`/api/v1/flows/${id}/metadata`, {
        method: "PATCH",
        headers: { ...user.auth, "Content-Type": type },
        body: '{"tags": ["x"]}',
      });
      expect(res.status, type).toBe(200);
    }
    const latin = await call(`/api/v1/flows/${id}/metadata`, {
      method: "PATCH",
      headers: { ...user.auth, "Content-Type": "application/json; charset=latin1" },
      body: '{"tags": ["x"]}',
    });
    await expectError(latin, 415, "unsupported_media_type");
    const yamlOnJson = await call("/api/v1/tokens", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "text/yaml" },
      body: "name: x",
    });
    await expectError(yamlOnJson, 415, "unsupported_media_type");
  });
});
