/**
 * MCP under a real `wrangler dev`, where code generation is refused as in production (the Workers
 * test pool allows it, so it would hide a validator that compiles schemas with `new Function`): the
 * mcp node calls a tool that declares an outputSchema on the MCP stand-in, over both transports; and
 * an MCP client lists and calls the account's flows through /api/v1/mcp.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { inject, beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const MCP = inject("standins").mcp;
const user = new User("cli-mcp");

const flow = (name: string, connectionType: string, path: string, key: string) => `metadata: {name: ${name}}
nodes:
  add:
    type: mcp
    params:
      operation: executeTool
      connectionType: ${connectionType}
      url: ${MCP}${path}
      headers: {X-Test-Key: ${key}}
      toolName: add
      toolParameters: {a: "\${input.a}", b: 40}
`;

beforeAll(async () => {
  await user.login();
});

describe("the mcp node under wrangler dev", () => {
  it.each([
    ["http", "/mcp"],
    ["sse", "/sse"],
  ])("calls a tool with an outputSchema over %s and checks its structured content", async (connectionType, path) => {
    const key = `cli-${connectionType}-${Date.now().toString(36)}`;
    const name = `MCP add ${connectionType}`;
    const created = await user.run(["flows", "create", user.file(`${connectionType}.yaml`, flow(name, connectionType, path, key))]);
    expect(created.code, created.stderr).toBe(0);
    const run = await user.run(["run", name, "--input-json", '{"a": 2}', "--wait", "--json"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const execution = json<{ status: string; output: unknown }>(run.stdout);
    expect(execution.status).toBe("completed");
    expect(execution.output).toEqual({
      result: { content: [{ type: "text", text: '{"sum":42}' }], structuredContent: { sum: 42 }, isError: false },
    });
    const seen = (await (await fetch(`${MCP}/_calls?key=${key}`)).json()) as { counts: Record<string, number> };
    expect(seen.counts).toEqual({ add: 1 });
  });
});

describe("/api/v1/mcp under wrangler dev", () => {
  it("lists a flow that opts in and calls it, its arguments checked against the flow's input schema", async () => {
    const tool = `metadata:
  name: Greeter
  input_schema: {type: object, properties: {name: {type: string}}, required: [name]}
  mcp: {tool: true, description: Greets someone}
nodes:
  greet: {type: transform, params: {script: "return 'hello ' + input.name"}}
`;
    const created = await user.run(["flows", "create", user.file("greeter.yaml", tool)]);
    expect(created.code, created.stderr).toBe(0);
    const token = json<{ token: string }>((await user.run(["tokens", "create", "ide", "--json"])).stdout).token;
    const client = new Client({ name: "ide", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${user.url}/api/v1/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => [t.name, t.description])).toEqual([["greeter", "Greets someone"]]);
      const greeted = await client.callTool({ name: "greeter", arguments: { name: "Ada" } });
      expect(greeted).toMatchObject({
        content: [{ type: "text", text: "hello Ada" }],
        structuredContent: { status: "completed", output: "hello Ada" },
      });
      const refused = await client.callTool({ name: "greeter", arguments: { name: 7 } });
      expect(refused).toMatchObject({
        isError: true,
        content: [{ type: "text", text: expect.stringContaining("Invalid arguments for greeter") }],
      });
    } finally {
      await client.close();
    }
  });
});
