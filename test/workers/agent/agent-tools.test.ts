/**
 * The `agent` node end to end: its tools really run (a built-in, an HTTP API on the loopback server,
 * another flow of the account, an MCP server's tool), and the model — the OpenAI-compatible stand-in,
 * which refuses a tool message whose tool_call_id answers no call — sees their results.
 */
import { describe, expect, inject, it } from "vitest";
import { call, runFlow, saveFlow, yaml } from "../../helpers/api";
import { agentAccount, agentFlow, type AgentOutput } from "../../helpers/agent";
import { MCP, seen } from "../../helpers/mcp-standin";
import { standinRequests } from "../../helpers/openai-standin";

const HTTP = inject("httpBase");

const CHILD = yaml`
metadata:
  name: Double it
  description: Doubles a number
  input_schema: {type: object, properties: {n: {type: number}}, required: [n]}
nodes:
  double: {type: transform, params: {script: "return { doubled: input.n * 2 }"}}
`;

describe("agent tools", () => {
  it("runs a built-in, an HTTP tool and a flow tool, and hands their results back by call id", async () => {
    const { user, key } = await agentAccount({
      replies: [
        { tool_calls: [{ name: "current_time", arguments: {} }] },
        {
          tool_calls: [
            { name: "lookup", arguments: { id: "A 1", verbose: true } },
            { name: "double_it", arguments: { n: 21 } },
          ],
        },
        "Order A 1 is fine and 21 doubled is 42.",
      ],
    });
    await saveFlow(user, CHILD);
    const flow = await saveFlow(
      user,
      agentFlow(`      system: You look things up.
      prompt: "Check order \${input.order}"
      tools:
        - builtin: current_time
        - name: lookup
          description: Looks up an order
          http: {url: "${HTTP}/echo/orders/{id}", headers: {X-Team: ops}}
          parameters: {type: object, properties: {id: {type: string}, verbose: {type: boolean}}, required: [id]}
        - flow: Double it`),
    );
    const run = await runFlow(user, flow, { order: "A 1" }, 30);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const output = run.output as AgentOutput;
    expect(output.response).toBe("Order A 1 is fine and 21 doubled is 42.");
    expect(output.steps).toBe(3);
    const [time, lookup, double] = output.intermediate_results;
    expect(time).toMatchObject({ step: 1, tool: "current_time", arguments: {}, error: null });
    expect(Date.parse((time!.result as { iso: string }).iso)).toBeGreaterThan(Date.now() - 60_000);
    expect(lookup).toMatchObject({ step: 2, tool: "lookup", arguments: { id: "A 1", verbose: true }, error: null });
    expect(lookup!.result).toMatchObject({ method: "GET", query: { verbose: "true" }, headers: { "x-team": "ops" } });
    expect(double).toEqual({ step: 2, tool: "double_it", arguments: { n: 21 }, result: { doubled: 42 }, error: null });

    const requests = await standinRequests(key);
    expect(requests).toHaveLength(3);
    const offered = (requests[0]!.body.tools as { function: { name: string; parameters: unknown } }[]).map((t) => t.function);
    expect(offered.map((f) => f.name)).toEqual(["current_time", "lookup", "double_it"]);
    expect(offered[2]!.parameters).toEqual({ type: "object", properties: { n: { type: "number" } }, required: ["n"] });
    const last = requests[2]!.body.messages!;
    expect(last.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "tool", "tool"]);
    expect(JSON.parse(last[6]!.content as string)).toEqual({ doubled: 42 });
    expect(output.usage.total_tokens).toBeGreaterThan(0);
    expect(output.conversation).toHaveLength(8);

    const children = await call(`/api/v1/executions?trigger_type=subflow`, { headers: user.auth });
    expect(((await children.json()) as { executions: unknown[] }).executions).toHaveLength(1);
  });

  it("tells the model about a failed tool call, an unknown tool and arguments that are not JSON, and goes on", async () => {
    const { user, key } = await agentAccount({
      replies: [
        {
          tool_calls: [
            { name: "lookup", arguments: { id: "missing" } },
            { name: "nope", arguments: {} },
            { name: "lookup", arguments: "{not json" },
          ],
        },
        "Could not find it.",
      ],
    });
    const flow = await saveFlow(
      user,
      agentFlow(`      prompt: Find it
      tools:
        - name: lookup
          http: {url: "${HTTP}/status/404?id={id}"}`),
    );
    const run = await runFlow(user, flow, {}, 30);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const records = (run.output as AgentOutput).intermediate_results;
    expect(records.map((r) => [r.tool, r.error?.replace(/:.*/s, "")])).toEqual([
      ["lookup", "HTTP 404"],
      ["nope", "There is no tool named 'nope'"],
      ["lookup", "The arguments are not a JSON object"],
    ]);
    const tools = (await standinRequests(key))[1]!.body.messages!.filter((m) => m.role === "tool");
    expect(tools.map((m) => JSON.parse(m.content as string).error)).toEqual(records.map((r) => r.error));
  });

  it("offers an MCP server's tools and calls them through the server", async () => {
    const testKey = `agent-mcp-${Date.now()}`;
    const { user } = await agentAccount({ replies: [{ tool_calls: [{ name: "add", arguments: { a: 2, b: 3 } }] }, "5"] });
    const flow = await saveFlow(
      user,
      agentFlow(`      prompt: Add 2 and 3
      tools:
        - mcp: {url: "${MCP}/mcp", headers: {X-Test-Key: ${testKey}}}
          include: [add, echo]`),
    );
    const run = await runFlow(user, flow, {}, 30);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const [record] = (run.output as AgentOutput).intermediate_results;
    expect(record).toMatchObject({ tool: "add", arguments: { a: 2, b: 3 }, error: null });
    expect(JSON.stringify(record!.result)).toContain("5");
    expect((await seen(testKey)).calls).toEqual([{ tool: "add", arguments: { a: 2, b: 3 } }]);
  });

  it("fails with agent_max_steps when the model never stops calling tools", async () => {
    const { user } = await agentAccount({ replies: [{ tool_calls: [{ name: "current_time", arguments: {} }] }] });
    const flow = await saveFlow(user, agentFlow(`      prompt: Loop\n      max_steps: 3\n      tools: [{builtin: current_time}]`));
    const run = await runFlow(user, flow, {}, 30);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "agent_max_steps", node_id: "agent" });
  });
});
