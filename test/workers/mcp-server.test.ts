/**
 * FlowRunner as an MCP server: the SDK's own client lists and calls an account's flows through
 * /api/v1/mcp, authenticated with an API token, the way an IDE assistant would.
 */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { describe, expect, it } from "vitest";
import { BASE, call, expectError, getExecution, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";

const ADD = yaml`
metadata:
  name: Add numbers
  description: Adds two numbers
  input_schema:
    type: object
    properties: {a: {type: number}, b: {type: number}}
    required: [a, b]
  mcp: {tool: true, description: "Adds a and b and answers {sum}"}
nodes:
  add: {type: transform, params: {script: "return {sum: input.a + input.b}"}}
`;

const PRIVATE = yaml`
metadata: {name: Private payroll}
nodes:
  pay: {type: transform, params: {script: "return 'paid'"}}
`;

const FAILING = yaml`
metadata: {name: Always fails, mcp: {tool: true, name: always-fails}}
nodes:
  boom: {type: transform, params: {script: "throw new Error('out of coffee')"}}
`;

const APPROVAL = yaml`
metadata: {name: Needs approval, mcp: {tool: true}}
nodes:
  ask: {type: wait, params: {type: event, event: approve}, next: {default: done}}
  done: {type: transform, params: {script: "return {approved: input.by}"}}
`;

async function apiToken(user: TestUser): Promise<string> {
  const res = await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name: "ide" } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: "test-ide", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/api/v1/mcp`), {
    fetch: (url, init) => SELF.fetch(url, init),
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** Runs `work` with an MCP client connected as `user` through a new API token, then disconnects. */
async function asClient<T>(user: TestUser, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(await apiToken(user));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

const MCP_HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
const listRequest = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

describe("/api/v1/mcp", () => {
  it("lists the flows that opt in as tools, with their input schema, and nothing else", async () => {
    const user = await signUp();
    await Promise.all([ADD, PRIVATE, FAILING, APPROVAL].map((flow) => saveFlow(user, flow)));
    const other = await signUp();
    await saveFlow(other, ADD.replace("Add numbers", "Other account's adder"));
    await asClient(user, async (client) => {
      expect(client.getServerVersion()).toMatchObject({ name: "flowrunner" });
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(["add_numbers", "always-fails", "needs_approval"]);
      const add = tools.find((tool) => tool.name === "add_numbers")!;
      expect(add).toMatchObject({
        title: "Add numbers",
        description: "Adds a and b and answers {sum}",
        inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
      });
      expect(tools.find((tool) => tool.name === "needs_approval")!.inputSchema).toEqual({ type: "object", additionalProperties: true });
    });
  });

  it("calls a flow as a run and answers with its output", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, ADD);
    await asClient(user, async (client) => {
      const result = await client.callTool({ name: "add_numbers", arguments: { a: 2, b: 40 } });
      expect(result.isError).toBeFalsy();
      expect(result.content).toEqual([{ type: "text", text: '{"sum":42}' }]);
      const structured = result.structuredContent as { execution_id: string; status: string; output: unknown };
      expect(structured).toMatchObject({ status: "completed", output: { sum: 42 } });
      const execution = await getExecution(user, structured.execution_id);
      expect(execution).toMatchObject({ status: "completed", flow_id: flowId, trigger: "mcp", input: { a: 2, b: 40 } });
    });
  });

  it("checks the arguments against the flow's input schema before running it", async () => {
    const user = await signUp();
    await saveFlow(user, ADD);
    await asClient(user, async (client) => {
      const result = await client.callTool({ name: "add_numbers", arguments: { a: "two" } });
      expect(result.isError).toBe(true);
      expect((result.content as { text: string }[])[0]!.text).toMatch(/^Invalid arguments for add_numbers: /);
      const runs = await (await call("/api/v1/executions", { headers: user.auth })).json();
      expect(runs).toMatchObject({ executions: [] });
    });
  });

  it("answers a failing run with isError and the run's error", async () => {
    const user = await signUp();
    await saveFlow(user, FAILING);
    await asClient(user, async (client) => {
      const result = await client.callTool({ name: "always-fails", arguments: {} });
      expect(result.isError).toBe(true);
      expect((result.content as { text: string }[])[0]!.text).toMatch(/^Run exe_\w+ failed: script_runtime at boom: .*out of coffee/);
      expect(result.structuredContent).toMatchObject({ status: "failed", error: { node_id: "boom" } });
    });
  });

  it("answers with the execution id when the run waits for an event", async () => {
    const user = await signUp();
    await saveFlow(user, APPROVAL);
    await asClient(user, async (client) => {
      const result = await client.callTool({ name: "needs_approval", arguments: { item: "laptop" } });
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as { execution_id: string; status: string };
      expect(structured).toMatchObject({ status: "waiting", waiting_for: [{ node_id: "ask", event: "approve" }] });
      expect((result.content as { text: string }[])[0]!.text).toContain(`/api/v1/executions/${structured.execution_id}/events/approve`);
      const sent = await call(`/api/v1/executions/${structured.execution_id}/events/approve`, {
        method: "POST",
        headers: user.auth,
        json: { by: "ada" },
      });
      expect(sent.status).toBe(202);
      expect(await getExecution(user, structured.execution_id, 5)).toMatchObject({ status: "completed", output: { approved: "ada" } });
    });
  });

  it("refuses to call a flow that did not opt in, or another account's", async () => {
    const user = await signUp();
    await saveFlow(user, PRIVATE);
    const other = await signUp();
    await saveFlow(other, ADD);
    await asClient(user, async (client) => {
      for (const name of ["private_payroll", "add_numbers"]) {
        await expect(client.callTool({ name, arguments: {} })).rejects.toMatchObject({
          code: -32602,
          message: expect.stringContaining(`Unknown tool: ${name}`),
        });
      }
      const runs = (await (await call("/api/v1/executions", { headers: user.auth })).json()) as { executions: unknown[] };
      expect(runs.executions).toEqual([]);
    });
  });

  it("keeps tool names unique: of two flows named alike the older keeps the name", async () => {
    const user = await signUp();
    const older = await saveFlow(user, ADD);
    const newer = await saveFlow(user, ADD.replace("description: Adds two numbers", "description: The second adder"));
    await asClient(user, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => [tool.name, tool._meta?.["flowrunner/flow_id"]]).sort()).toEqual(
        [
          ["add_numbers", older],
          [`add_numbers_${newer.slice(-8)}`, newer],
        ].sort(),
      );
    });
  });

  it("answers a missing or wrong token with the 401 JSON envelope", async () => {
    const missing = await call("/api/v1/mcp", { method: "POST", headers: MCP_HEADERS, body: listRequest });
    expect(missing.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    await expectError(missing, 401, "unauthorized");
    const wrong = await call("/api/v1/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, Authorization: "Bearer frt_nope" },
      body: listRequest,
    });
    await expectError(wrong, 401, "unauthorized");
    await expect(connect("frt_0000000000000000000000000000000000000000")).rejects.toMatchObject({ code: 401 });
  });

  it("serves POST only: GET and DELETE are 405, as a server without sessions answers", async () => {
    const user = await signUp();
    for (const method of ["GET", "DELETE"]) {
      const res = await call("/api/v1/mcp", { method, headers: { ...user.auth, Accept: "text/event-stream" } });
      expect(res.headers.get("Allow")).toBe("POST");
      await expectError(res, 405, "method_not_allowed");
    }
  });

  it("answers JSON-RPC it cannot take with a JSON-RPC error", async () => {
    const user = await signUp();
    const res = await SELF.fetch(`${BASE}/api/v1/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, ...user.auth },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
    });
    // No initialize first is fine for a server without sessions: each request stands alone.
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", id: 7, result: { tools: [] } });
    const unknown = await SELF.fetch(`${BASE}/api/v1/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, ...user.auth },
      body: JSON.stringify({ jsonrpc: "2.0", id: 8, method: "resources/list" }),
    });
    expect(await unknown.json()).toMatchObject({ jsonrpc: "2.0", id: 8, error: { code: -32601 } });
  });
});
