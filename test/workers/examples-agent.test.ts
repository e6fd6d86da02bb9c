/// <reference types="vite/client" />
/**
 * The agent examples (examples/agent-*.yaml), saved and run through the public API against the
 * stand-ins: the OpenAI-compatible model of test/global-setup.ts, the MCP server of
 * test/standins-setup.ts, and the loopback server as the order and refund APIs.
 */
import { describe, expect, inject, it } from "vitest";
import agentApproval from "../../examples/agent-approval.yaml?raw";
import agentOrderStatus from "../../examples/agent-order-status.yaml?raw";
import agentSupport from "../../examples/agent-support.yaml?raw";
import { call, getExecution, runFlow, saveFlow, signUp, uniqueName, untilStatus, expectValidFlow } from "../helpers/api";
import type { AgentOutput } from "../helpers/agent";
import { putSecret } from "../helpers/hooks";
import { MCP, MCP_TOKEN } from "../helpers/mcp-standin";
import { OPENAI, scriptedKey, standinRequests, type Script } from "../helpers/openai-standin";

const HTTP = inject("httpBase");
const EXAMPLES = { "agent-order-status.yaml": agentOrderStatus, "agent-support.yaml": agentSupport, "agent-approval.yaml": agentApproval };

async function account(script: Script, secrets: Record<string, string> = {}) {
  const user = await signUp();
  const key = await scriptedKey(script);
  for (const [name, value] of Object.entries({ OPENAI_API_KEY: key, OPENAI_BASE_URL: OPENAI.url, ...secrets }))
    await putSecret(user, name, value);
  return { user, key };
}

describe("examples/agent-*", () => {
  it.each(Object.keys(EXAMPLES))("%s validates with no errors and no warnings", async (name) => {
    await expectValidFlow(EXAMPLES[name as keyof typeof EXAMPLES]);
  });

  it("agent-support: looks the order up through the other flow, asks the MCP server, and never shows its token", async () => {
    const { user, key } = await account(
      {
        replies: [
          {
            tool_calls: [
              { name: "order_status", arguments: { order_id: "A-1042" } },
              { name: "current_time", arguments: {} },
            ],
          },
          { tool_calls: [{ name: "whoami", arguments: {} }] },
          "Order A-1042 has shipped; it should arrive tomorrow.",
        ],
      },
      { ORDERS_API_URL: `${HTTP}/echo/orders`, MCP_URL: `${MCP}/auth/mcp`, MCP_TOKEN },
    );
    await saveFlow(user, agentOrderStatus);
    const flow = await saveFlow(user, agentSupport.replace("include: [echo]", "include: [echo, whoami]"));
    const run = await runFlow(user, flow, { message: "Where is my order A-1042?" }, 30);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toMatchObject({
      reply: "Order A-1042 has shipped; it should arrive tomorrow.",
      tools_used: ["order_status", "current_time", "whoami"],
    });
    const agent = (await stepOutput(user, run.id, "answer")) as AgentOutput;
    expect(agent.intermediate_results[0]!.result).toMatchObject({ found: true, order: { query: { id: "A-1042" } } });
    // The MCP server saw the token; the run's records show it redacted.
    expect(JSON.stringify(agent.intermediate_results[2]!.result)).toContain("Bearer");
    const steps = await (await call(`/api/v1/executions/${run.id}/steps?full=true`, { headers: user.auth })).text();
    expect(steps).not.toContain(MCP_TOKEN);
    const offered = ((await standinRequests(key))[0]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(offered).toEqual(["order_status", "echo", "whoami", "current_time"]);
  });

  it("agent-approval: refunds only once approved, with the reviewer's amount, and remembers the customer", async () => {
    const inbox = uniqueName("refunds");
    const { user, key } = await account(
      {
        replies: [
          { tool_calls: [{ name: "refund", arguments: { order_id: "A-1042", amount: 25, currency: "EUR", reason: "broken" } }] },
          "Your refund is on its way.",
        ],
      },
      { REFUNDS_API_URL: `${HTTP}/inspect/${inbox}`, REFUNDS_API_TOKEN: "refund-token-123" },
    );
    const flow = await saveFlow(user, agentApproval);
    const first = await untilStatus(
      user,
      (await runFlow(user, flow, { customer: "c-17", message: "Refund A-1042 please" }, 0)).id,
      "waiting",
    );
    expect(first.waiting_for[0]).toMatchObject({
      event: "approve_tool",
      data: { tool: "refund", arguments: { order_id: "A-1042", amount: 25 } },
    });
    const refunds = async () =>
      (await (await fetch(`${HTTP}/inspected/${inbox}`)).json()) as { body: string; headers: Record<string, string> }[];
    expect(await refunds()).toEqual([]);
    const approved = await call(`/api/v1/executions/${first.id}/events/approve_tool`, {
      method: "POST",
      headers: user.auth,
      json: { approve: true, arguments: { order_id: "A-1042", amount: 20, currency: "EUR", reason: "broken" } },
    });
    expect(approved.status).toBe(202);
    expect((await getExecution(user, first.id, 10)).status).toBe("completed");
    const [refund] = await refunds();
    expect(JSON.parse(refund!.body)).toEqual({ amount: 20, currency: "EUR", reason: "broken" });
    expect(refund!.headers.authorization).toBe("Bearer refund-token-123");

    // The model answers the follow-up without a tool: nothing to approve.
    const second = await runFlow(user, flow, { customer: "c-17", message: "Thanks!" }, 20);
    expect(second.status).toBe("completed");
    const asked = (await standinRequests(key)).at(-1)!.body.messages!;
    expect(asked.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "user"]);
    expect(asked.at(-1)!.content).toBe("Thanks!");
  });
});

async function stepOutput(user: Awaited<ReturnType<typeof signUp>>, id: string, node: string): Promise<unknown> {
  const res = await call(`/api/v1/executions/${id}/steps?full=true&node_id=${node}`, { headers: user.auth });
  return ((await res.json()) as { steps: { output: unknown }[] }).steps[0]!.output;
}
