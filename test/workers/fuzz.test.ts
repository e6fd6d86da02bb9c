/**
 * A seeded fuzz of every write endpoint: hostile YAML and JSON, wrong and odd
 * content types, other methods. Whatever arrives, the answer is never a 5xx,
 * every error is the JSON envelope, and the service still runs a normal flow
 * correctly afterwards. (How long the worst requests take is measured by
 * `npm run bench`, not asserted here.) The rate limit is off for this
 * account's requests only by configuration of this test's Worker, so the
 * cases reach the handlers instead of a 429.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { BASE, ECHO_FLOW, runFlow, saveFlow, signUp } from "../helpers/api";
import { hostileJson, hostileYaml } from "../helpers/hostile";

const SEED = 20261201;
const CASES = 3_000;

async function send(path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", "192.0.2.7");
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, { ...init, headers }),
    { ...env, RATE_LIMIT_REQUESTS: "0", LOGIN_MAX_FAILURES: "100000" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

interface Endpoint {
  method: string;
  path: (ids: Ids) => string;
  /** The JSON shape the route expects, with `X` where hostile JSON goes. */
  shapes: string[];
  yaml?: boolean;
}

interface Ids {
  flow: string;
  execution: string;
}

const ENDPOINTS: Endpoint[] = [
  {
    method: "POST",
    path: () => "/api/v1/accounts",
    shapes: ['{"username": X, "password": "long enough pw"}', '{"username": "fuzz_user", "password": X}'],
  },
  { method: "POST", path: () => "/api/v1/login", shapes: ['{"username": X, "password": X}'] },
  { method: "POST", path: () => "/api/v1/tokens", shapes: ['{"name": X}', '{"name": "t", "expires_in_days": X}'] },
  { method: "POST", path: () => "/api/v1/flows/validate", shapes: ['{"content": Y}', '{"name": X, "content": Y}'], yaml: true },
  { method: "POST", path: () => "/api/v1/flows", shapes: ['{"content": Y}', '{"name": X, "content": Y}'], yaml: true },
  { method: "PUT", path: (ids) => `/api/v1/flows/${ids.flow}`, shapes: ['{"content": Y}'], yaml: true },
  {
    method: "PATCH",
    path: (ids) => `/api/v1/flows/${ids.flow}/metadata`,
    shapes: ['{"custom": X}', '{"tags": X}', '{"tags": [X]}', '{"category": X, "status": X}'],
  },
  { method: "POST", path: (ids) => `/api/v1/flows/${ids.flow}/run`, shapes: ['{"input": X}', "X"] },
  { method: "POST", path: (ids) => `/api/v1/executions/${ids.execution}/events/fuzz`, shapes: ["X"] },
  { method: "POST", path: (ids) => `/api/v1/executions/${ids.execution}/rerun`, shapes: ['{"input": X}', '{"from_node": X}'] },
  {
    method: "PUT",
    path: () => "/api/v1/accounts/me/secrets/FUZZ",
    shapes: ['{"value": X}', '{"type": "custom", "data": X}', '{"type": X, "data": {"key": X}}'],
  },
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON ; CHARSET=UTF-8",
  "application/problem+json",
  "application/json; charset=iso-8859-1",
  "application/yaml",
  "text/x-yaml",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "",
  ";;;",
  "application/",
  "*/*",
];

const caseArbitrary = fc.record({
  endpoint: fc.constantFrom(...ENDPOINTS),
  shape: fc.nat(),
  json: hostileJson,
  yaml: hostileYaml,
  asYaml: fc.boolean(),
  contentType: fc.oneof({ weight: 5, arbitrary: fc.constant("default") }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
  method: fc.oneof(
    { weight: 9, arbitrary: fc.constant("own") },
    { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "POST", "OPTIONS") },
  ),
  sendBody: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

describe("fuzz of every write endpoint", () => {
  it(`answers ${CASES} hostile requests without a 5xx, each error in the envelope, and still runs flows`, async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const first = await runFlow(user, flow, { seed: 1 });
    const ids: Ids = { flow, execution: first.id };
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const yamlBody = c.endpoint.yaml === true && c.asYaml;
        const shape = c.endpoint.shapes[c.shape % c.endpoint.shapes.length]!;
        const body = yamlBody ? c.yaml : shape.replaceAll("X", c.json).replaceAll("Y", JSON.stringify(c.yaml));
        const type = c.contentType === "default" ? (yamlBody ? "application/yaml" : "application/json") : c.contentType;
        const method = c.method === "own" ? c.endpoint.method : c.method;
        const carriesBody = c.sendBody && !["GET", "HEAD"].includes(method);
        const res = await send(c.endpoint.path(ids), {
          method,
          headers: { ...user.auth, ...(type ? { "Content-Type": type } : {}) },
          ...(carriesBody ? { body } : {}),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${method} ${c.endpoint.path(ids)} ${type}: ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) {
          const envelope = JSON.parse(text) as { error: { code: unknown; message: unknown } };
          expect(typeof envelope.error.code).toBe("string");
          expect(typeof envelope.error.message).toBe("string");
        }
      }),
      { seed: SEED, numRuns: CASES, endOnFailure: true },
    );

    // The cases reached the handlers (not only one kind of refusal)...
    expect([...statuses.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);
    // ...and the service still works for the same account (the fuzz may have deleted its flow).
    const after = await runFlow(user, await saveFlow(user, ECHO_FLOW), { still: ["works", 1] });
    expect(after.status).toBe("completed");
    expect(after.output).toEqual({ still: ["works", 1] });
    // Thousands of requests: their time follows the machine's load (a busy 2-core machine took over 30 s).
  }, 120_000);
});
