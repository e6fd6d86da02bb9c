/// <reference types="vite/client" />
/**
 * The llm examples (examples/llm-*.yaml, the original's reference flows 7-10), saved and run through
 * the public API. Their model is the OpenAI-compatible stand-in of test/global-setup.ts, reached as
 * the flows say: the API key and URL from the secrets OPENAI_API_KEY and OPENAI_BASE_URL; their other
 * services are the loopback server, through SEARCH_API_URL and MAIL_API_URL.
 */
import { describe, expect, inject, it } from "vitest";
import llmSequential from "../../examples/llm-sequential.yaml?raw";
import llmSimple from "../../examples/llm-simple.yaml?raw";
import llmToolLoop from "../../examples/llm-tool-loop.yaml?raw";
import llmToolRouter from "../../examples/llm-tool-router.yaml?raw";
import { call, getExecution, runFlow, saveFlow, signUp, uniqueName, type TestUser, expectValidFlow } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { OPENAI, scriptedKey, standinRequests, type Script } from "../helpers/openai-standin";

const HTTP = inject("httpBase");
const EXAMPLES: Record<string, string> = {
  "llm-simple.yaml": llmSimple,
  "llm-sequential.yaml": llmSequential,
  "llm-tool-router.yaml": llmToolRouter,
  "llm-tool-loop.yaml": llmToolLoop,
};

/** An account whose secrets point the examples at the stand-in (with this script) and the loopback server. */
async function account(script: Script, mailKey = uniqueName("mail")) {
  const user = await signUp();
  const key = await scriptedKey(script);
  await putSecret(user, "OPENAI_API_KEY", key);
  await putSecret(user, "OPENAI_BASE_URL", OPENAI.url);
  await putSecret(user, "SEARCH_API_URL", `${HTTP}/echo/search`);
  await putSecret(user, "MAIL_API_URL", `${HTTP}/inspect/${mailKey}`);
  return { user, key, mailKey };
}

async function path(user: TestUser, id: string): Promise<string[]> {
  const res = await call(`/api/v1/executions/${id}/steps`, { headers: user.auth });
  return ((await res.json()) as { steps: { node_id: string; status: string }[] }).steps.map((s) => `${s.node_id}:${s.status}`);
}

async function usageOf(user: TestUser, id: string): Promise<Record<string, number> | null> {
  return ((await getExecution(user, id)) as unknown as { usage: Record<string, number> | null }).usage;
}

describe("examples/llm-*", () => {
  it.each(Object.keys(EXAMPLES))("%s validates with no errors and no warnings", async (name) => {
    await expectValidFlow(EXAMPLES[name]!);
  });

  it("llm-simple: asks the input's question with its context, then keeps the answer and its tokens", async () => {
    const { user, key } = await account({ replies: ["It runs on Cloudflare Workers."] });
    const input = { question: "What does FlowRunner run on?", context: "FlowRunner is a workflow engine on Cloudflare Workers." };
    const run = await runFlow(user, await saveFlow(user, llmSimple), input);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const [sent] = await standinRequests(key);
    expect(sent!.body).toEqual({
      model: "gpt-4.1-mini",
      temperature: 0.7,
      max_tokens: 500,
      messages: [
        { role: "system", content: `Context:\n${input.context}` },
        { role: "user", content: input.question },
      ],
    });
    const usage = await usageOf(user, run.id);
    expect(run.output).toEqual({ answer: "It runs on Cloudflare Workers.", tokens: usage!.total_tokens });
  });

  it("llm-sequential: three calls at rising temperatures, each reading the answers before it", async () => {
    // No replies: the stand-in's default model echoes the last user message, which shows the chaining.
    const { user, key } = await account({});
    const run = await runFlow(user, await saveFlow(user, llmSequential), { topic: "event sourcing" });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const sent = (await standinRequests(key)).map((r) => r.body);
    expect(sent.map((b) => b.temperature)).toEqual([0.3, 0.5, 0.7]);
    const technical = "echo: Analyse the technical aspects of: event sourcing";
    const business = `echo: Given this technical analysis: ${technical}\nAssess the business impact.`;
    expect(sent[1]!.messages).toEqual([{ role: "user", content: business.slice("echo: ".length) }]);
    expect(sent[2]!.messages).toEqual([
      { role: "system", content: "You write executive summaries." },
      { role: "user", content: `Technical: ${technical}\nBusiness: ${business}` },
    ]);
    const usage = await usageOf(user, run.id);
    expect(run.output).toEqual({ summary: `echo: Technical: ${technical}\nBusiness: ${business}`, tokens: usage!.total_tokens });
    expect(await path(user, run.id)).toEqual(["technical:completed", "business:completed", "synthesis:completed", "end:completed"]);
  });

  describe("llm-tool-router", () => {
    it("routes a search_web call to the search API with the model's query", async () => {
      const { user, key } = await account({
        replies: [{ tool_calls: [{ name: "search_web", arguments: { query: "durable execution" } }] }],
      });
      const run = await runFlow(user, await saveFlow(user, llmToolRouter), { request: "Find articles about durable execution" });
      expect(run.status, JSON.stringify(run.error)).toBe("completed");
      expect(await path(user, run.id)).toEqual(["assistant:completed", "router:completed", "search:completed", "final_output:completed"]);
      expect(run.output).toMatchObject({
        tool: "search_web",
        output: { status_code: 200, body: { method: "GET", query: { q: "durable execution" } } },
      });
      const [sent] = await standinRequests(key);
      expect((sent!.body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual([
        "search_web",
        "send_email_summary",
      ]);
    });

    it("routes a send_email_summary call to the transform, and an answer straight to the output", async () => {
      const email = { to: "ada@example.com", summary: "Three articles found." };
      const emailing = await account({ replies: [{ tool_calls: [{ name: "send_email_summary", arguments: email }] }] });
      const flowId = await saveFlow(emailing.user, llmToolRouter);
      const summarised = await runFlow(emailing.user, flowId, { request: "Email me a summary" });
      expect(await path(emailing.user, summarised.id)).toEqual([
        "assistant:completed",
        "router:completed",
        "summarise:completed",
        "final_output:completed",
      ]);
      expect(summarised.output).toEqual({ tool: "send_email_summary", output: { email } });

      const answering = await account({ replies: ["No tool needed."] });
      const answered = await runFlow(answering.user, await saveFlow(answering.user, llmToolRouter), { request: "Hello" });
      expect(await path(answering.user, answered.id)).toEqual(["assistant:completed", "router:completed", "final_output:completed"]);
      expect(answered.output).toMatchObject({ tool: null, output: { content: "No tool needed.", has_tool_calls: false } });
    });
  });

  it("llm-tool-loop: search, email, answer; each tool result goes back under its call's id", async () => {
    const { user, key, mailKey } = await account({
      replies: [
        { tool_calls: [{ name: "search", arguments: { query: "FlowRunner docs" } }] },
        { tool_calls: [{ name: "send_email", arguments: { to: "ada@example.com", body: "The docs are at /docs." } }] },
        "I searched and emailed you the link.",
      ],
    });
    const question = "Find FlowRunner's docs and email them to ada@example.com";
    const run = await runFlow(user, await saveFlow(user, llmToolLoop), { question });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ answer: "I searched and emailed you the link.", turns: 5 });
    expect(await path(user, run.id)).toEqual(
      ["start", "llm", "router", "search_tool", "record", "llm", "router", "email_tool", "record", "llm", "router", "finish"].map(
        (n) => `${n}:completed`,
      ),
    );

    const sent = await standinRequests(key);
    // The stand-in refuses a tool message whose id answers no earlier tool call: all three were accepted.
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
    const last = sent[2]!.body.messages!;
    expect(last.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant", "tool"]);
    const calls = [last[1]!, last[3]!].map((m) => (m.tool_calls as { id: string; function: { name: string } }[])[0]!);
    expect(calls.map((c) => c.function.name)).toEqual(["search", "send_email"]);
    expect([last[2]!.tool_call_id, last[4]!.tool_call_id]).toEqual(calls.map((c) => c.id));
    expect(JSON.parse(last[2]!.content as string)).toMatchObject({ status: 200, body: { query: { q: "FlowRunner docs" } } });

    const mail = (await (await fetch(`${HTTP}/inspected/${mailKey}`)).json()) as { method: string; body: string }[];
    expect(mail.map((m) => [m.method, JSON.parse(m.body)])).toEqual([
      ["POST", { to: "ada@example.com", subject: "Summary from FlowRunner", text: "The docs are at /docs." }],
    ]);
    const res = await call(`/api/v1/executions/${run.id}/steps?node_id=llm`, { headers: user.auth });
    const llmSteps = ((await res.json()) as { steps: { usage: Record<string, number> }[] }).steps;
    expect(llmSteps).toHaveLength(3);
    expect((await usageOf(user, run.id))!.total_tokens).toBe(llmSteps.reduce((sum, s) => sum + s.usage.total_tokens!, 0));
  });
});
