/**
 * The `mcp` node through the API, against the real MCP server of scripts/standins/mcp.mjs, over both
 * transports: every operation's output, each kind of failure as the step's error (code, details,
 * whether the retry policy applies), the deadline, and secrets in headers kept out of what is stored.
 */
import { describe, expect, it } from "vitest";
import { call, runFlow, saveFlow, signUp, uniqueName, yaml, type TestUser } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { MCP, MCP_TOKEN as TOKEN, seen, stepsOf } from "../helpers/mcp-standin";
import { createHttpClient } from "../../src/nodes/capabilities/http";
import { openMcpSession } from "../../src/nodes/mcp/client";
import { NodeError } from "../../src/engine/outcome";

/** A flow of one mcp node with these params (YAML flow mappings), and optional node settings. */
const mcpFlow = (params: string, settings = "") => yaml`
metadata: {name: mcp}
nodes:
  call:
    type: mcp
    params: ${params}
    ${settings}
`;

/** Runs a one-node mcp flow; the key tags every request so the stand-in's record is this run's own. */
async function runMcp(params: Record<string, unknown>, options: { settings?: string; user?: TestUser } = {}) {
  const user = options.user ?? (await signUp());
  const key = uniqueName("k");
  const all = { url: `${MCP}/mcp`, ...params, headers: { "X-Test-Key": key, ...((params.headers as object | undefined) ?? {}) } };
  const flow = await saveFlow(user, mcpFlow(JSON.stringify(all), options.settings));
  const run = await runFlow(user, flow, {});
  return { user, key, run, steps: await stepsOf(user, run.id) };
}

describe.each(["http", "sse"] as const)("mcp node over %s", (connectionType) => {
  const url = connectionType === "http" ? `${MCP}/mcp` : `${MCP}/sse`;

  it("executes a tool with an outputSchema: structured content checked and returned", async () => {
    const { run, key } = await runMcp({ url, connectionType, operation: "executeTool", toolName: "add", toolParameters: { a: 2, b: 3 } });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({
      result: { content: [{ type: "text", text: '{"sum":5}' }], structuredContent: { sum: 5 }, isError: false },
    });
    expect((await seen(key)).calls).toEqual([{ tool: "add", arguments: { a: 2, b: 3 } }]);
  });

  it("lists every tool across the server's pages", async () => {
    const { run } = await runMcp({ url, connectionType, operation: "listTools" });
    const result = (run.output as { result: { tools: { name: string }[]; nextCursor: unknown } }).result;
    expect(result.tools.map((t) => t.name)).toEqual(["add", "echo", "fail", "explode", "slow", "bad_output", "whoami", "flaky"]);
    expect(result.nextCursor).toBeNull();
  });
});

describe("mcp node operations", () => {
  it("lists one page from a cursor, and hands on the next cursor", async () => {
    const { run } = await runMcp({ operation: "listTools", cursor: "3" });
    expect(run.output).toMatchObject({
      result: { tools: [{ name: "explode" }, { name: "slow" }, { name: "bad_output" }], nextCursor: "6" },
    });
  });

  it("lists resources and prompts", async () => {
    const resources = await runMcp({ operation: "listResources" });
    expect(resources.run.output).toEqual({
      result: {
        resources: [
          { uri: "standin://greeting", name: "greeting", mimeType: "text/plain" },
          { uri: "standin://data.json", name: "data", mimeType: "application/json" },
          { uri: "standin://pixel.png", name: "pixel", mimeType: "image/png" },
        ],
        nextCursor: null,
      },
    });
    const prompts = await runMcp({ operation: "listPrompts" });
    expect(prompts.run.output).toMatchObject({ result: { prompts: [{ name: "summarize" }, { name: "greeting" }], nextCursor: null } });
  });

  it("reads text and binary resources", async () => {
    const text = await runMcp({ operation: "readResource", resourceUri: "standin://greeting" });
    expect(text.run.output).toEqual({
      result: { contents: [{ uri: "standin://greeting", mimeType: "text/plain", text: "Hello from the MCP stand-in" }] },
    });
    const blob = await runMcp({ operation: "readResource", resourceUri: "standin://pixel.png" });
    expect(blob.run.output).toEqual({
      result: { contents: [{ uri: "standin://pixel.png", mimeType: "image/png", blob: "iVBORw0KGgo=" }] },
    });
  });

  it("gets a prompt with its arguments, sending non-string values as JSON text", async () => {
    const { run } = await runMcp({ operation: "getPrompt", promptName: "summarize", promptArguments: { text: "MCP in flows" } });
    expect(run.output).toEqual({
      result: {
        description: "Summary request",
        messages: [{ role: "user", content: { type: "text", text: "Summarize in one sentence: MCP in flows" } }],
      },
    });
    const json = await runMcp({ operation: "getPrompt", promptName: "summarize", promptArguments: { text: [1, 2] } });
    expect(json.run.output).toMatchObject({ result: { messages: [{ content: { text: "Summarize in one sentence: [1,2]" } }] } });
  });

  it("counts listing and reading as free of side effects, and a tool call as an effect", async () => {
    const { mcpNode } = await import("../../src/nodes/mcp/run");
    const base = { url: "http://x", connectionType: "http", timeout: 1000 } as const;
    expect(mcpNode.sideEffects({ ...base, operation: "listTools" })).toBe(false);
    expect(mcpNode.sideEffects({ ...base, operation: "readResource", resourceUri: "a" })).toBe(false);
    expect(mcpNode.sideEffects({ ...base, operation: "executeTool", toolName: "a" })).toBe(true);
  });
});

describe("mcp node failures", () => {
  it("fails a step whose tool answers isError with mcp_tool_error, the content in details, and takes the error edge", async () => {
    const user = await signUp();
    const key = uniqueName("k");
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: mcp-error-edge}
nodes:
  call:
    type: mcp
    params: {operation: executeTool, url: "${MCP}/mcp", toolName: fail, toolParameters: {reason: out of stock}, headers: {X-Test-Key: ${key}}}
    next: {default: ok, error: handle}
  ok: {type: transform, params: {script: "return 'ok'"}}
  handle: {type: transform, params: {script: "return {handled: input.code, message: input.message}"}}
`,
    );
    const run = await runFlow(user, flow, {});
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ handled: "mcp_tool_error", message: "Tool 'fail' failed: failed: out of stock" });
    const [step] = await stepsOf(user, run.id);
    expect(step!.error).toMatchObject({
      code: "mcp_tool_error",
      details: { tool: "fail", content: [{ type: "text", text: "failed: out of stock" }] },
    });
  });

  it("retries a tool error under the node's retry policy", async () => {
    const { run, steps, key } = await runMcp(
      { operation: "executeTool", toolName: "flaky", toolParameters: { failures: 2 } },
      { settings: "retry: {max_retries: 3, wait: 10ms}" },
    );
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toMatchObject({ result: { content: [{ type: "text", text: "attempt 3 worked" }] } });
    expect(steps.map((s) => [s.attempt, s.status])).toEqual([
      [1, "retrying"],
      [2, "retrying"],
      [3, "completed"],
    ]);
    expect((await seen(key)).counts.flaky).toBe(3);
  });

  it("turns a JSON-RPC error into mcp_error with its code: an internal error is retried, a missing resource is not", async () => {
    const exploded = await runMcp({ operation: "executeTool", toolName: "explode" }, { settings: "retry: {max_retries: 1, wait: 10ms}" });
    expect(exploded.run.status).toBe("failed");
    expect(exploded.steps).toHaveLength(2);
    expect(exploded.run.error).toMatchObject({ code: "mcp_error", message: expect.stringContaining("the tool exploded") });
    expect(exploded.steps[1]!.error!.details).toEqual({ mcp_code: -32603 });
    expect((await seen(exploded.key)).counts.explode).toBe(2);

    const missing = await runMcp(
      { operation: "readResource", resourceUri: "standin://nope" },
      { settings: "retry: {max_retries: 2, wait: 10ms}" },
    );
    expect(missing.run.status).toBe("failed");
    expect(missing.steps).toHaveLength(1);
    expect(missing.steps[0]!.error).toMatchObject({ code: "mcp_error", details: { mcp_code: -32002, data: { uri: "standin://nope" } } });
    expect(missing.run.error!.message).toBe(
      "resources/read standin://nope failed at " + `${MCP}/mcp: Resource not found (MCP error -32002)`,
    );
  });

  it("refuses structured content that does not match the tool's outputSchema", async () => {
    const { run, steps } = await runMcp(
      { operation: "executeTool", toolName: "bad_output" },
      { settings: "retry: {max_retries: 2, wait: 10ms}" },
    );
    expect(run.status).toBe("failed");
    expect(steps).toHaveLength(1);
    expect(run.error).toMatchObject({ code: "mcp_invalid_output", message: expect.stringContaining("does not match its outputSchema") });
  });

  it("names the tools a server has when asked for one it has not", async () => {
    const { run, steps, key } = await runMcp({ operation: "executeTool", toolName: "nope" });
    expect(run.error).toMatchObject({ code: "mcp_tool_not_found" });
    expect(steps[0]!.error!.details).toMatchObject({ tool: "nope", available: expect.arrayContaining(["add", "flaky"]) });
    expect((await seen(key)).calls).toEqual([]);
  });

  it("ends the whole operation at its timeout with mcp_timeout, over both transports", async () => {
    for (const [connectionType, url] of [
      ["http", `${MCP}/mcp`],
      ["sse", `${MCP}/sse`],
    ]) {
      const { run, key } = await runMcp({
        url,
        connectionType,
        operation: "executeTool",
        toolName: "slow",
        toolParameters: { ms: 5000 },
        timeout: "400ms",
      });
      expect(run.status).toBe("failed");
      expect(run.error).toMatchObject({ code: "mcp_timeout", message: expect.stringContaining("did not finish within 400 ms") });
      expect((await seen(key)).counts.slow).toBe(1);
    }
  });

  it("reports HTTP refusals as mcp_http_error with the status, retrying 5xx only", async () => {
    const down = await runMcp(
      { url: `${MCP}/status/503/mcp`, operation: "listTools" },
      { settings: "retry: {max_retries: 1, wait: 10ms}" },
    );
    expect(down.steps.map((s) => s.error?.code)).toEqual(["mcp_http_error", "mcp_http_error"]);
    expect(down.steps[0]!.error!.details).toEqual({ status: 503 });
    const gone = await runMcp(
      { url: `${MCP}/status/404/mcp`, operation: "listTools" },
      { settings: "retry: {max_retries: 1, wait: 10ms}" },
    );
    expect(gone.steps).toHaveLength(1);
    expect(gone.steps[0]!.error).toMatchObject({ code: "mcp_http_error", details: { status: 404 } });
  });

  it("uses messagesPostEndpoint for the legacy transport's messages", async () => {
    const { run } = await runMcp({
      url: `${MCP}/sse`,
      connectionType: "sse",
      messagesPostEndpoint: "/status/502/messages",
      operation: "listTools",
    });
    expect(run.error).toMatchObject({ code: "mcp_http_error", message: expect.stringContaining("HTTP 502") });
  });

  it("reports a server that cannot be reached as network_error", async () => {
    for (const [connectionType, path] of [
      ["http", "/mcp"],
      ["sse", "/sse"],
    ]) {
      const { run } = await runMcp({ url: `http://127.0.0.1:9${path}`, connectionType, operation: "listTools", timeout: "5s" });
      expect(run.error, connectionType).toMatchObject({ code: "network_error", message: expect.stringContaining("127.0.0.1:9") });
    }
  });
});

describe("mcp node credentials", () => {
  it("sends headers from secrets and keeps their values out of outputs, errors and logs", async () => {
    const user = await signUp();
    await putSecret(user, "MCP_TOKEN", TOKEN);
    const key = uniqueName("k");
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: mcp-secret}
nodes:
  who:
    type: mcp
    params:
      operation: executeTool
      url: ${MCP}/auth/mcp
      toolName: whoami
      headers: {Authorization: "Bearer \${secrets.MCP_TOKEN}", X-Test-Key: ${key}}
    next: {default: fail}
  fail:
    type: mcp
    params:
      operation: executeTool
      url: ${MCP}/auth/sse
      connectionType: sse
      toolName: fail
      toolParameters: {reason: "token is \${secrets.MCP_TOKEN}"}
      headers: {Authorization: "Bearer \${secrets.MCP_TOKEN}", X-Test-Key: ${key}}
`,
    );
    const run = await runFlow(user, flow, {});
    expect(run.status).toBe("failed");
    const steps = await stepsOf(user, run.id);
    expect(steps[0]!.output).toMatchObject({
      result: { content: [{ type: "text", text: expect.stringMatching(/^authorization: Bearer \S+$/) }] },
    });
    expect(steps[1]!.error).toMatchObject({ code: "mcp_tool_error" });
    const logs = await (await call(`/api/v1/executions/${run.id}/logs`, { headers: user.auth })).text();
    const stored = JSON.stringify([steps, run, logs]);
    expect(stored).not.toContain(TOKEN);
    expect(stored).toContain("token is [REDACTED]");
    expect(logs).toMatch(/MCP executeTool whoami answered in \d+ ms/);
    // The server did receive it: every request of both transports carried the header.
    const { requests, counts } = await seen(key);
    expect(counts).toEqual({ whoami: 1, fail: 1 });
    expect(requests.length).toBeGreaterThan(3);
    for (const request of requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("fails with mcp_http_error 401, not retried, when the server refuses the credentials", async () => {
    for (const [connectionType, path] of [
      ["http", "/auth/mcp"],
      ["sse", "/auth/sse"],
    ]) {
      const { steps } = await runMcp(
        { url: `${MCP}${path}`, connectionType, operation: "listTools", headers: { Authorization: "Bearer wrong" } },
        { settings: "retry: {max_retries: 2, wait: 10ms}" },
      );
      expect(steps, connectionType).toHaveLength(1);
      expect(steps[0]!.error, connectionType).toMatchObject({ code: "mcp_http_error", details: { status: 401 } });
    }
  });
});

describe("mcp client module", () => {
  const signal = new AbortController().signal;

  it("refuses a private address under the deny policy before any request", async () => {
    const http = createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "deny" });
    const opening = openMcpSession({ url: `${MCP}/mcp`, timeoutMs: 5000, signal, http });
    await expect(opening).rejects.toMatchObject({ name: "NodeError", code: "address_not_allowed", retryable: false });
  });

  it("ends the session at once when an answer passes the size cap, on both transports", async () => {
    const http = createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "allow", maxResponseBytes: 20_000 });
    for (const [transport, path] of [
      ["http", "/mcp"],
      ["sse", "/sse"],
    ] as const) {
      const session = await openMcpSession({ url: `${MCP}${path}`, transport, timeoutMs: 20_000, signal, http });
      const started = Date.now();
      try {
        await expect(session.callTool("echo", { text: "x".repeat(30_000) }), transport).rejects.toMatchObject({
          code: "response_too_large",
        });
        // Not the deadline: the refusal itself ended the wait.
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await session.close();
      }
    }
  });

  it("lists tools with their schemas and calls them in one session", async () => {
    const http = createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "allow" });
    const session = await openMcpSession({ url: `${MCP}/mcp`, timeoutMs: 5000, signal, http, headers: { "X-Test-Key": "client-module" } });
    try {
      expect(session.server).toEqual({ name: "flowrunner-standin", version: "1.0.0" });
      const tools = await session.listTools();
      const add = tools.find((tool) => tool.name === "add")!;
      expect(add.inputSchema).toMatchObject({ type: "object", required: ["a", "b"] });
      expect(add.outputSchema).toMatchObject({ required: ["sum"] });
      expect(tools.find((tool) => tool.name === "echo")!.outputSchema).toBeUndefined();
      expect(await session.callTool("echo", { text: "hi" })).toEqual({ content: [{ type: "text", text: "hi" }], isError: false });
      // A tool's own failure is a result for the caller to judge (an agent shows it to the model).
      expect(await session.callTool("fail", {})).toMatchObject({ isError: true });
      await expect(session.callTool("explode", {})).rejects.toBeInstanceOf(NodeError);
    } finally {
      await session.close();
    }
  });
});
