import { SELF } from "cloudflare:test";
import { expect } from "vitest";

export const BASE = "http://flowrunner.test";

export interface TestUser {
  username: string;
  password: string;
  account_id: string;
  token: string;
  auth: Record<string, string>;
}

let counter = 0;
/** A username no other test uses, so tests never depend on each other's rows. */
export const uniqueName = (prefix = "user") =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("Content-Type", "application/json");
  // Failed logins are throttled per client address; a random one per call keeps tests independent.
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", randomIp());
  return SELF.fetch(`${BASE}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
}

export async function signUp(username = uniqueName(), password = "correct horse battery"): Promise<TestUser> {
  const created = await call("/api/v1/accounts", { method: "POST", json: { username, password } });
  expect(created.status).toBe(201);
  const login = await call("/api/v1/login", { method: "POST", json: { username, password } });
  expect(login.status).toBe(200);
  const body = (await login.json()) as { token: string; account_id: string };
  return { username, password, account_id: body.account_id, token: body.token, auth: { Authorization: `Bearer ${body.token}` } };
}

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
}

/** Asserts the JSON error envelope and status, and returns the error. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorEnvelope["error"]> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
  const body = JSON.parse(text) as ErrorEnvelope;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error;
}

export const yaml = (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values).replace(/^\n/, "");

export const HELLO_FLOW = yaml`
metadata:
  name: Hello
  description: Says hello
  tags: [demo, hello]
nodes:
  greet:
    type: transform
    params:
      script: "return { greeting: 'hello ' + input.name }"
`;

/** Answers with its input: a run whose output shows what the execution received. */
export const ECHO_FLOW = yaml`
metadata: {name: Echo}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

const randomIp = () => `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

export interface ExecutionBody {
  execution_id: string;
  id: string;
  status: string;
  output: unknown;
  error: { code: string; message: string; node_id: string } | null;
  current_nodes: string[];
  waiting_for: { node_id: string; state: string; event?: string; data?: unknown }[];
  step_count: number;
  created_at: string;
  shared: Record<string, unknown>;
}

export async function saveFlow(user: TestUser, content: string): Promise<string> {
  const res = await call("/api/v1/flows", { method: "POST", headers: { ...user.auth, "Content-Type": "application/yaml" }, body: content });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return (JSON.parse(text) as { id: string }).id;
}

/** Starts a run and, with `wait`, answers when it finished (or after that many seconds). */
export async function runFlow(
  user: TestUser,
  flowId: string,
  input: unknown = {},
  wait = 10,
  headers: Record<string, string> = {},
): Promise<ExecutionBody> {
  const res = await call(`/api/v1/flows/${flowId}/run${wait ? `?wait=${wait}` : ""}`, {
    method: "POST",
    headers: { ...user.auth, ...headers },
    json: { input },
  });
  const text = await res.text();
  expect([200, 201], text).toContain(res.status);
  return JSON.parse(text) as ExecutionBody;
}

export async function getExecution(user: TestUser, id: string, wait = 0): Promise<ExecutionBody> {
  const res = await call(`/api/v1/executions/${id}${wait ? `?wait=${wait}` : ""}`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as ExecutionBody;
}

/** Polls the execution until its status is `status` (a run's `?wait` only returns early once it is final). */
export async function untilStatus(user: TestUser, id: string, status: string, ms = 10_000): Promise<ExecutionBody> {
  const end = Date.now() + ms;
  for (;;) {
    const view = await getExecution(user, id);
    if (view.status === status) return view;
    if (Date.now() > end) throw new Error(`execution ${id} is ${view.status}, not ${status}, after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Validates the flow through the API as a new user and expects it clean: no errors, no warnings. */
export async function expectValidFlow(content: string): Promise<void> {
  const user = await signUp();
  const res = await call("/api/v1/flows/validate", {
    method: "POST",
    headers: { ...user.auth, "Content-Type": "application/yaml" },
    body: content,
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ valid: true, errors: [], warnings: [], graph: { start: expect.any(String) } });
}
