/**
 * The OpenAI-compatible stand-in speaks OpenAI's wire format (the official SDK talks to it unchanged)
 * and refuses malformed requests the way OpenAI does, so tests against it can fail.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIStandin, type OpenAIStandin } from "../../../scripts/standins/openai.mjs";

let standin: OpenAIStandin;
beforeAll(async () => {
  standin = await startOpenAIStandin();
});
afterAll(() => standin.close());

const client = (apiKey = standin.apiKey, maxRetries = 0) => new OpenAI({ apiKey, baseURL: standin.url, maxRetries });

async function script(body: unknown): Promise<string> {
  const res = await fetch(`${standin.origin}/_standin/scripts`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { api_key: string }).api_key;
}

async function requestsOf(apiKey: string) {
  const res = await fetch(`${standin.origin}/_standin/scripts/${apiKey}/requests`);
  return ((await res.json()) as { requests: { status: number; body: Record<string, unknown>; headers: Record<string, string | null> }[] })
    .requests;
}

/** A raw chat request, answering the status and the parsed body. */
async function post(body: unknown, apiKey: string | null = standin.apiKey, path = "/v1/chat/completions") {
  const res = await fetch(`${standin.origin}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } },
  };
}

const hello = [{ role: "user" as const, content: "Hello there" }];

describe("chat completions", () => {
  it("answers the default model's echo with a usage that adds up", async () => {
    const answer = await client().chat.completions.create({ model: "gpt-4.1-mini", messages: hello });
    expect(answer.object).toBe("chat.completion");
    expect(answer.choices[0]!.message).toMatchObject({ role: "assistant", content: "echo: Hello there" });
    expect(answer.choices[0]!.finish_reason).toBe("stop");
    const usage = answer.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it("streams the same completion in pieces, with the usage last when asked", async () => {
    const whole = await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "one two three" }] });
    const stream = await client().chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "one two three" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let pieces = 0;
    let usage: unknown = null;
    for await (const chunk of stream) {
      expect(chunk.id).toBe(whole.id);
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        text += delta;
        pieces++;
      }
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(pieces).toBe(4);
    expect(usage).toEqual(whole.usage);
  });

  it("plays a script per turn: a tool call, then an answer once the tool's result came back", async () => {
    const key = await script({ replies: [{ tool_calls: [{ name: "search", arguments: { q: "cats" } }] }, "Cats are great."] });
    const tools = [
      { type: "function" as const, function: { name: "search", parameters: { type: "object", properties: { q: { type: "string" } } } } },
    ];
    const first = await client(key).chat.completions.create({ model: "m", messages: hello, tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ type: "function", function: { name: "search", arguments: '{"q":"cats"}' } });
    const second = await client(key).chat.completions.create({
      model: "m",
      tools,
      messages: [...hello, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "[]" }],
    });
    expect(second.choices[0]!.message.content).toBe("Cats are great.");
    expect((await requestsOf(key)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("answers json_schema with a value of the schema, and a forced tool with arguments of its parameters", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer", minimum: 1 } },
      required: ["name", "age"],
    };
    const json = await client().chat.completions.create({
      model: "m",
      messages: hello,
      response_format: { type: "json_schema", json_schema: { name: "person", schema } },
    });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ name: "xxxx", age: 1 });
    const forced = await client().chat.completions.create({
      model: "m",
      messages: hello,
      tools: [{ type: "function", function: { name: "lookup", parameters: schema } }],
      tool_choice: { type: "function", function: { name: "lookup" } },
    });
    const call = forced.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ name: "xxxx", age: 1 });
  });

  it("answers 429 and 500 with Retry-After as scripted; the SDK's retries get through", async () => {
    const key = await script({
      failures: [
        { status: 429, retry_after: 0 },
        { status: 500, retry_after_ms: 10 },
      ],
      replies: ["finally"],
    });
    const answer = await client(key, 2).chat.completions.create({ model: "m", messages: hello });
    expect(answer.choices[0]!.message.content).toBe("finally");
    const requests = await requestsOf(key);
    expect(requests.map((r) => [r.status, r.headers["x-stainless-retry-count"]])).toEqual([
      [429, "0"],
      [500, "1"],
      [200, "2"],
    ]);
  });
});

describe("refuses what OpenAI refuses, with OpenAI's envelope", () => {
  it("a missing or unknown API key (401), the unknown key echoed in full", async () => {
    expect((await post({ model: "m", messages: hello }, null)).status).toBe(401);
    const wrong = await post({ model: "m", messages: hello }, "sk-not-a-key-1234");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
    expect(wrong.body.error.message).toContain("sk-not-a-key-1234");
  });

  it.each([
    ["no model", { messages: hello }, "model"],
    ["no messages", { model: "m" }, "messages"],
    ["empty messages", { model: "m", messages: [] }, "messages"],
    ["an unknown role", { model: "m", messages: [{ role: "bot", content: "hi" }] }, "messages[0].role"],
    ["a user message without content", { model: "m", messages: [{ role: "user" }] }, "messages[0].content"],
    [
      "a tool message answering no tool call",
      { model: "m", messages: [...hello, { role: "tool", tool_call_id: "call_x", content: "1" }] },
      "messages[1].role",
    ],
    [
      "a tool message with another call's id",
      {
        model: "m",
        messages: [
          ...hello,
          { role: "assistant", content: null, tool_calls: [{ id: "call_a", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "call_b", content: "1" },
        ],
      },
      "messages[2].role",
    ],
    [
      "a tool call left unanswered",
      {
        model: "m",
        messages: [
          ...hello,
          { role: "assistant", tool_calls: [{ id: "call_a", type: "function", function: { name: "f", arguments: "{}" } }] },
        ],
      },
      "messages[2]",
    ],
    ["an unknown argument", { model: "m", messages: hello, base_url: "x" }, null],
    ["tool_choice without tools", { model: "m", messages: hello, tool_choice: "auto" }, "tool_choice"],
    [
      "a bad tool name",
      { model: "m", messages: hello, tools: [{ type: "function", function: { name: "no spaces" } }] },
      "tools[0].function.name",
    ],
    ["stream_options without stream", { model: "m", messages: hello, stream_options: { include_usage: true } }, "stream_options"],
    [
      "a json_schema without a name",
      { model: "m", messages: hello, response_format: { type: "json_schema", json_schema: { schema: {} } } },
      "response_format.json_schema.name",
    ],
    ["a temperature above 2", { model: "m", messages: hello, temperature: 3 }, "temperature"],
  ])("%s (400)", async (_name, body, param) => {
    const { status, body: answer } = await post(body);
    expect(status).toBe(400);
    expect(answer.error.type).toBe("invalid_request_error");
    expect(answer.error.param).toBe(param);
    expect(answer.error.message.length).toBeGreaterThan(10);
  });

  it("a body that is not JSON, and an unknown path", async () => {
    expect((await post("{not json")).status).toBe(400);
    expect((await post({ model: "m", messages: hello }, standin.apiKey, "/v1/completion")).status).toBe(404);
  });
});

describe("embeddings", () => {
  it("are deterministic unit vectors with usage, nearer for texts that share words", async () => {
    const answer = await client().embeddings.create({
      model: "text-embedding-3-small",
      input: ["red apples and pears", "red apples", "quantum chromodynamics"],
      dimensions: 64,
    });
    expect(answer.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const [a, b, c] = answer.data.map((d) => d.embedding);
    expect(a).toHaveLength(64);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 4);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
    expect(answer.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    const again = await client().embeddings.create({ model: "text-embedding-3-small", input: "red apples", dimensions: 64 });
    expect(again.data[0]!.embedding).toEqual(b);
  });

  it("refuses an empty input", async () => {
    const { status, body } = await post({ model: "text-embedding-3-small", input: [] }, standin.apiKey, "/v1/embeddings");
    expect(status).toBe(400);
    expect(body.error.param).toBe("input");
  });
});
