/**
 * The agent's loop is durable: an approval pauses the run without holding anything, and a crash at
 * any point resumes the loop without repeating a completed model or tool call (counted at the
 * stand-in and at the loopback server).
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, untilStatus, type TestUser } from "../../helpers/api";
import { agentAccount, agentFlow, type AgentOutput } from "../../helpers/agent";
import { crash, hits as hitsAt, recover } from "../../helpers/crash";
import { standinRequests } from "../../helpers/openai-standin";
import { connect } from "../../helpers/websocket";

const HTTP = inject("httpBase");
const hits = (key: string) => hitsAt(HTTP, key);

const approve = (user: TestUser, id: string, body: unknown) =>
  call(`/api/v1/executions/${id}/events/approve_tool`, { method: "POST", headers: user.auth, json: body });

/** One tool call per turn (`turns` of them), each hitting its own counter, then an answer. */
function turns(count: number, prefix: string) {
  return [
    ...Array.from({ length: count }, (_, i) => ({ tool_calls: [{ name: "hit", arguments: { key: `${prefix}-${i + 1}` } }] })),
    "Finished.",
  ];
}

const hitTool = (extra = "") => `      prompt: Do it
      tools:
        - name: hit
          http: {url: "${HTTP}/hit/{key}"}
          parameters: {type: object, properties: {key: {type: string}}, required: [key]}
${extra}`;

describe("agent approvals", () => {
  it("waits with the proposed call, then runs it with the reviewer's edited arguments, asking the model nothing twice", async () => {
    const prefix = `approve-${Date.now()}`;
    const { user, key } = await agentAccount({ replies: turns(1, prefix) });
    const flow = await saveFlow(user, agentFlow(hitTool("      require_approval: [hit]")));
    const run = await untilStatus(user, (await runFlow(user, flow, {}, 0)).id, "waiting");
    expect(run.waiting_for).toEqual([
      {
        node_id: "agent",
        state: "waiting_event",
        event: "approve_tool",
        data: { tool: "hit", call_id: expect.any(String), step: 1, arguments: { key: `${prefix}-1` } },
      },
    ]);
    expect(await hits(`${prefix}-1`)).toBe(0);
    expect((await approve(user, run.id, { approve: true, arguments: { key: `${prefix}-edited` } })).status).toBe(202);
    const done = await getExecution(user, run.id, 10);
    expect(done.status).toBe("completed");
    expect((done.output as AgentOutput).intermediate_results[0]).toMatchObject({ arguments: { key: `${prefix}-edited` }, error: null });
    expect([await hits(`${prefix}-1`), await hits(`${prefix}-edited`)]).toEqual([0, 1]);
    expect(await standinRequests(key)).toHaveLength(2);
  });

  it("tells the model a rejected call was rejected, and never makes it", async () => {
    const prefix = `reject-${Date.now()}`;
    const { user, key } = await agentAccount({ replies: turns(1, prefix) });
    const flow = await saveFlow(user, agentFlow(hitTool("      require_approval: [hit]")));
    const run = await untilStatus(user, (await runFlow(user, flow, {}, 0)).id, "waiting");
    expect((await approve(user, run.id, { approve: false, reason: "too risky" })).status).toBe(202);
    const done = await getExecution(user, run.id, 10);
    expect(done.status).toBe("completed");
    const record = (done.output as AgentOutput).intermediate_results[0]!;
    expect(record.error).toBe("The call was rejected by a reviewer: too risky");
    expect(await hits(`${prefix}-1`)).toBe(0);
    const toolMessage = (await standinRequests(key))[1]!.body.messages!.find((m) => m.role === "tool");
    expect(JSON.parse(toolMessage!.content as string)).toEqual({ error: record.error });
  });

  it("rejects the call when no one answers within approval_timeout", async () => {
    const prefix = `timeout-${Date.now()}`;
    const { user } = await agentAccount({ replies: turns(1, prefix) });
    const flow = await saveFlow(user, agentFlow(hitTool("      require_approval: [hit]\n      approval_timeout: 1s")));
    const run = await untilStatus(user, (await runFlow(user, flow, {}, 0)).id, "waiting");
    const done = await recover(user, run.id);
    expect(done.status).toBe("completed");
    expect((done.output as AgentOutput).intermediate_results[0]!.error).toBe("No one approved the call in time");
    expect(await hits(`${prefix}-1`)).toBe(0);
  });
});

describe("agent durability", () => {
  beforeAll(async () => {
    // QuickJS loaded outside any crash (see durability.test.ts).
    const { user } = await agentAccount({ replies: ["ok"] });
    expect((await runFlow(user, await saveFlow(user, agentFlow("      prompt: warm up")), {}, 20)).status).toBe("completed");
  });

  it("after a crash while waiting for an approval, repeats neither the model calls nor the tool calls made before", async () => {
    const prefix = `crash-wait-${Date.now()}`;
    const replies = turns(3, prefix);
    const { user, key } = await agentAccount({ replies });
    const flow = await saveFlow(user, agentFlow(hitTool("      require_approval: [hit]")));
    const run = await runFlow(user, flow, {}, 0);
    for (let turn = 1; turn <= 3; turn++) {
      await untilStatus(user, run.id, "waiting");
      await crash(run.id);
      expect((await approve(user, run.id, { approve: true })).status).toBe(202);
    }
    const done = await recover(user, run.id);
    expect(done.status).toBe("completed");
    expect((done.output as AgentOutput).steps).toBe(4);
    expect(await Promise.all([1, 2, 3].map((i) => hits(`${prefix}-${i}`)))).toEqual([1, 1, 1]);
    expect(await standinRequests(key)).toHaveLength(4);
  });

  it("finishes after crashes at random moments, each model turn and tool call made at most once more than it completed", async () => {
    for (let round = 0; round < 4; round++) {
      const prefix = `crash-${round}-${Date.now()}`;
      const { user, key } = await agentAccount({ replies: turns(4, prefix), delay_ms: 40 });
      const flow = await saveFlow(user, agentFlow(hitTool()));
      const run = await runFlow(user, flow, {}, 0);
      await new Promise((r) => setTimeout(r, 30 + Math.floor(Math.random() * 150)));
      await crash(run.id);
      const done = await recover(user, run.id);
      expect(done.status, JSON.stringify(done.error)).toBe("completed");
      expect((done.output as AgentOutput).intermediate_results.map((r) => r.error)).toEqual([null, null, null, null]);
      const counts = await Promise.all([1, 2, 3, 4].map((i) => hits(`${prefix}-${i}`)));
      // The one call in flight at the crash may be made again; every completed one is not.
      expect(counts.every((n) => n >= 1)).toBe(true);
      expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5);
      const byTurn = new Map<number, number>();
      for (const request of await standinRequests(key)) {
        const turn = request.body.messages!.filter((m) => m.role === "assistant").length;
        byTurn.set(turn, (byTurn.get(turn) ?? 0) + 1);
      }
      expect([...byTurn.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
      expect([...byTurn.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6);
    }
  });
});

describe("agent memory and live events", () => {
  it("remembers the conversation across runs under its store key", async () => {
    const { user, key } = await agentAccount({ replies: ["Hello Ada."] });
    const memoryKey = `chat-${Date.now()}`;
    const flow = await saveFlow(
      user,
      agentFlow(`      system: Be brief.\n      prompt: "\${input.say}"\n      memory: {key: ${memoryKey}, max_messages: 10}`),
    );
    expect((await runFlow(user, flow, { say: "I am Ada." }, 20)).status).toBe("completed");
    expect((await runFlow(user, flow, { say: "Who am I?" }, 20)).status).toBe("completed");
    const second = (await standinRequests(key))[1]!.body.messages!;
    expect(second.map((m) => [m.role, m.content])).toEqual([
      ["system", "Be brief."],
      ["user", "I am Ada."],
      ["assistant", "Hello Ada."],
      ["user", "Who am I?"],
    ]);
    const stored = (await (await call(`/api/v1/store/${memoryKey}`, { headers: user.auth })).json()) as { value: { messages: unknown[] } };
    expect(stored.value.messages).toHaveLength(4);
  });

  it("shows a watching client each tool call and its result as they happen", async () => {
    const prefix = `live-${Date.now()}`;
    const { user } = await agentAccount({ replies: turns(1, prefix) });
    const flow = await saveFlow(user, agentFlow(hitTool("      require_approval: [hit]")));
    const run = await untilStatus(user, (await runFlow(user, flow, {}, 0)).id, "waiting");
    const client = await connect(user, run.id);
    await client.until((m) => m.some((x) => x.type === "replayed"));
    await approve(user, run.id, { approve: true });
    await client.until((m) => m.some((x) => x.event?.type === "execution.completed"), 10_000);
    const live = client.messages.filter((m) => m.type === "ephemeral").map((m) => m.event!);
    expect(live.find((e) => e.type === "agent.tool_call")?.data).toMatchObject({ step: 1, tool: "hit", arguments: { key: `${prefix}-1` } });
    expect(live.find((e) => e.type === "agent.tool_result")?.data).toMatchObject({
      tool: "hit",
      error: null,
      result: { key: `${prefix}-1`, count: 1 },
    });
    expect(live.some((e) => e.type === "agent.delta")).toBe(true);
    client.ws!.close(1000);
  });
});
