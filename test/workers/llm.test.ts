/**
 * The `llm` node end to end: flows saved and run through the public API, the model being the
 * OpenAI-compatible stand-in of test/global-setup.ts, which checks every request it gets.
 */
import { describe, expect, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { OPENAI, scriptedKey, standinRequests } from "../helpers/openai-standin";

interface Step {
  node_id: string;
  attempt: number;
  status: string;
  output: Record<string, unknown> | null;
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
  usage: Record<string, number> | null;
}

async function stepsOf(user: TestUser, id: string): Promise<Step[]> {
  const res = await call(`/api/v1/executions/${id}/steps?full=true`, { headers: user.auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { steps: Step[] }).steps;
}

/** An account whose MODEL_KEY secret is a key of the stand-in with this script. */
async function account(script: Parameters<typeof scriptedKey>[0] = {}): Promise<{ user: TestUser; key: string }> {
  const user = await signUp();
  const key = await scriptedKey(script);
  await putSecret(user, "MODEL_KEY", key);
  return { user, key };
}

/** One llm node with the connection to the stand-in and the given params (YAML flow mapping entries). */
const oneCall = (params: string, extra = "") => yaml`
metadata: {name: llm test}
nodes:
  ask:
    type: llm
    params: {provider: standin, base_url: "${OPENAI.url}", api_key: "\${secrets.MODEL_KEY}", model: gpt-4.1-mini, ${params}}
${extra}`;

async function runOnce(user: TestUser, flow: string, input: unknown = {}) {
  const id = await saveFlow(user, flow);
  return runFlow(user, id, input, 30);
}

describe("llm: answers", () => {
  it("asks with the given messages and answers with content, the message and usage, kept on the step and summed over the run", async () => {
    const { user, key } = await account({ replies: ["Paris.", "Lyon."] });
    const flow = yaml`
metadata: {name: two calls}
nodes:
  first:
    type: llm
    params:
      provider: standin
      base_url: "${OPENAI.url}"
      api_key: \${secrets.MODEL_KEY}
      model: gpt-4.1-mini
      temperature: 0.2
      max_tokens: 50
      templates:
        - {role: system, template: "Answer about {{.country}} in one word."}
        - {role: user, template: "{{.question}}"}
      context: {country: France, question: "\${input.q}"}
    next: {default: second}
  second:
    type: llm
    params:
      provider: standin
      base_url: "${OPENAI.url}"
      api_key: \${secrets.MODEL_KEY}
      model: gpt-4.1-mini
      messages:
        - {role: user, content: Capital?}
        - {role: assistant, content: "\${input.content}"}
        - {role: user, content: And the second city?}
`;
    const run = await runOnce(user, flow, { q: "Capital?" });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const sent = await standinRequests(key);
    expect(sent.map((r) => r.body)).toEqual([
      {
        model: "gpt-4.1-mini",
        messages: [
          { role: "system", content: "Answer about France in one word." },
          { role: "user", content: "Capital?" },
        ],
        temperature: 0.2,
        max_tokens: 50,
      },
      {
        model: "gpt-4.1-mini",
        messages: [
          { role: "user", content: "Capital?" },
          { role: "assistant", content: "Paris." },
          { role: "user", content: "And the second city?" },
        ],
      },
    ]);
    const output = run.output as Record<string, unknown>;
    expect(output).toMatchObject({
      content: "Lyon.",
      message: { role: "assistant", content: "Lyon." },
      finish_reason: "stop",
      has_tool_calls: false,
      tool_calls: [],
      model: "gpt-4.1-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Lyon." }, finish_reason: "stop" }],
    });
    expect(output.id).toMatch(/^chatcmpl-/);

    const steps = await stepsOf(user, run.id);
    const usages = steps.map((s) => s.usage!);
    expect(usages.map((u) => u.total_tokens)).toEqual(usages.map((u) => u.prompt_tokens! + u.completion_tokens!));
    expect(usages[1]!.prompt_tokens).toBeGreaterThan(0);
    expect(steps[1]!.output!.usage).toEqual(usages[1]);
    const detail = await getExecution(user, run.id);
    expect((detail as unknown as { usage: Record<string, number> }).usage).toEqual({
      prompt_tokens: usages[0]!.prompt_tokens! + usages[1]!.prompt_tokens!,
      completion_tokens: usages[0]!.completion_tokens! + usages[1]!.completion_tokens!,
      total_tokens: usages[0]!.total_tokens! + usages[1]!.total_tokens!,
    });
  });

  it("offers tools and answers with tool_calls; the conversation goes on with the tool's result under its call's id", async () => {
    const { user, key } = await account({
      replies: [{ tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] }, "It is 4 °C in Oslo."],
    });
    const tools = `[{type: function, function: {name: get_weather, parameters: {type: object, properties: {city: {type: string}}, required: [city]}}}]`;
    const flow = yaml`
metadata: {name: tools}
nodes:
  ask:
    type: llm
    params: {provider: standin, base_url: "${OPENAI.url}", api_key: "\${secrets.MODEL_KEY}", model: m, prompt: Weather in Oslo?, tools: ${tools}, tool_choice: get_weather}
    next: {default: answer}
  answer:
    type: llm
    params:
      provider: standin
      base_url: "${OPENAI.url}"
      api_key: \${secrets.MODEL_KEY}
      model: m
      tools: ${tools}
      messages: '\${[{role: "user", content: "Weather in Oslo?"}, input.message, {role: "tool", tool_call_id: input.tool_calls[0].id, content: JSON.stringify({celsius: 4})}]}'
`;
    const run = await runOnce(user, flow);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const [first] = await stepsOf(user, run.id);
    expect(first!.output).toMatchObject({
      content: null,
      finish_reason: "tool_calls",
      has_tool_calls: true,
      tool_calls: [
        { id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect((run.output as { content: string }).content).toBe("It is 4 °C in Oslo.");
    const [asked, answered] = await standinRequests(key);
    expect(asked!.body.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(answered!.body.messages![2]).toEqual({
      role: "tool",
      tool_call_id: (first!.output!.tool_calls as { id: string }[])[0]!.id,
      content: '{"celsius":4}',
    });
  });

  it("fails with the provider's refusal when a tool message answers no tool call", async () => {
    const { user } = await account();
    const run = await runOnce(user, oneCall(`messages: [{role: user, content: hi}, {role: tool, tool_call_id: call_nope, content: "1"}]`));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "llm_rejected", node_id: "ask" });
    const [step] = await stepsOf(user, run.id);
    expect(step!.error!.details).toMatchObject({
      status: 400,
      provider: "standin",
      error: { param: "messages[1].role", type: "invalid_request_error" },
    });
  });
});

describe("llm: structured output", () => {
  const schema = `{type: json_schema, json_schema: {name: person, schema: {type: object, properties: {name: {type: string}, age: {type: integer}}, required: [name, age]}}}`;

  it("checks a json_schema answer and hands it over as structured_output", async () => {
    const { user, key } = await account({ replies: [{ json: { name: "Ada", age: 36 } }] });
    const run = await runOnce(user, oneCall(`prompt: Who?, response_format: ${schema}`));
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toMatchObject({ content: '{"name":"Ada","age":36}', structured_output: { name: "Ada", age: 36 } });
    expect((await standinRequests(key))[0]!.body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "person" } });
  });

  it("fails the step with the schema's messages when the answer does not match", async () => {
    const { user } = await account({ replies: [{ json: { name: "Ada", age: "old" } }] });
    const run = await runOnce(user, oneCall(`prompt: Who?, response_format: ${schema}`));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "invalid_structured_output" });
    const [step] = await stepsOf(user, run.id);
    expect(step!.error!.details).toMatchObject({ answer: '{"name":"Ada","age":"old"}' });
    expect((step!.error!.details!.problems as string[]).some((p) => p.startsWith("/age:"))).toBe(true);
    // The tokens were spent all the same.
    expect(step!.usage!.total_tokens).toBeGreaterThan(0);
  });

  it("parses a YAML answer with parse_structured", async () => {
    const { user } = await account({ replies: ["```yaml\nitems: [a, b]\ncount: 2\n```"] });
    const run = await runOnce(user, oneCall(`prompt: List, parse_structured: true`));
    expect(run.output).toMatchObject({ structured_output: { items: ["a", "b"], count: 2 } });
  });
});

describe("llm: retries, timeouts and errors", () => {
  it("waits as a 429's Retry-After says, then succeeds; a 500 is retried too", async () => {
    const { user, key } = await account({ failures: [{ status: 429, retry_after: 1 }, { status: 500 }], replies: ["at last"] });
    const run = await runOnce(user, oneCall(`prompt: hi`));
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect((run.output as { content: string }).content).toBe("at last");
    const sent = await standinRequests(key);
    expect(sent.map((r) => r.status)).toEqual([429, 500, 200]);
    // The second request came no sooner than the Retry-After asked.
    expect(sent[1]!.received_at - sent[0]!.finished_at!).toBeGreaterThanOrEqual(990);
  });

  it("fails with llm_unavailable once the retries are spent, and does not wait for a Retry-After past the timeout", async () => {
    const { user, key } = await account({ failures: [{ status: 500 }, { status: 503 }] });
    const none = await runOnce(user, oneCall(`prompt: hi, max_retries: 1`));
    expect(none.error).toMatchObject({ code: "llm_unavailable" });
    expect((await standinRequests(key)).map((r) => r.status)).toEqual([500, 503]);

    const late = await account({ failures: [{ status: 429, retry_after: 30 }] });
    const limited = await runOnce(late.user, oneCall(`prompt: hi, timeout: 5s`));
    expect(limited.error).toMatchObject({ code: "llm_rate_limited" });
    expect(await standinRequests(late.key)).toHaveLength(1);
  });

  it("times out a model that does not answer in time", async () => {
    const { user } = await account({ delay_ms: 3000 });
    const run = await runOnce(user, oneCall(`prompt: hi, timeout: 300ms, max_retries: 0`));
    expect(run.error).toMatchObject({ code: "llm_timeout", message: "standin did not answer within 300 ms" });
  });

  it("needs base_url for an unknown provider, at save time", async () => {
    const user = await signUp();
    const res = await call("/api/v1/flows", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: yaml`
metadata: {name: no url}
nodes:
  ask: {type: llm, params: {provider: ollama, api_key: k, model: llama3, prompt: hi}}
`,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("provider 'ollama' needs base_url");
  });
});

describe("llm: the API key", () => {
  /** Everything the API shows about a run, as one text: the execution, its steps, logs and stored events. */
  async function everything(user: TestUser, id: string): Promise<string> {
    const parts = await Promise.all(
      [`/api/v1/executions/${id}`, `/api/v1/executions/${id}/steps?full=true`, `/api/v1/executions/${id}/logs`, `/api/v1/executions`].map(
        async (path) => (await call(path, { headers: user.auth })).text(),
      ),
    );
    return parts.join("\n");
  }

  it("is never shown, from a secret or written in the flow, even when the provider echoes it", async () => {
    const user = await signUp();
    const wrong = "sk-wrong-key-that-must-not-leak-42";
    await putSecret(user, "MODEL_KEY", wrong);
    const fromSecret = await runOnce(user, oneCall(`prompt: hi`));
    const literal = await runOnce(user, oneCall(`prompt: hi`).replace("${secrets.MODEL_KEY}", "sk-literal-key-that-must-not-leak-7"));
    for (const run of [fromSecret, literal]) {
      expect(run.status).toBe("failed");
      expect(run.error).toMatchObject({ code: "llm_unauthorized" });
      const [step] = await stepsOf(user, run.id);
      expect(step!.error!.details).toMatchObject({
        status: 401,
        error: { code: "invalid_api_key", message: expect.stringContaining("[REDACTED]") },
      });
    }
    const shown = (await everything(user, fromSecret.id)) + (await everything(user, literal.id));
    expect(shown).toContain("invalid_api_key");
    expect(shown).not.toContain("must-not-leak");
  });
});
