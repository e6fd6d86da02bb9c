/** The pure parts of a model call's answer: structured output, streamed chunks, provider targets and errors. */
import { describe, expect, it } from "vitest";
import { NodeError } from "../../../../src/engine/outcome";
import { providerError, resolveTarget } from "../../../../src/nodes/llm/provider";
import { chatResult } from "../../../../src/nodes/llm/result";
import { ChunkAccumulator, DELTA_INTERVAL_MS, DeltaPacer } from "../../../../src/nodes/llm/stream";
import { responseFormat, structuredOutput } from "../../../../src/nodes/llm/structured";

function failure(run: () => unknown): NodeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NodeError);
    return error as NodeError;
  }
  throw new Error("expected a failure");
}

const person = responseFormat({
  type: "json_schema",
  json_schema: {
    schema: {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 } },
      required: ["name", "age"],
      additionalProperties: false,
    },
  },
});

describe("structured output", () => {
  it("names a json_schema format that has no name, and turns a string into a format object", () => {
    expect(person).toMatchObject({ type: "json_schema", json_schema: { name: "output" } });
    expect(responseFormat("json_object")).toEqual({ type: "json_object" });
    expect(responseFormat(undefined)).toBeUndefined();
  });

  it("is the answer's JSON when it matches the schema", () => {
    expect(structuredOutput('{"name": "Ada", "age": 36}', person, false)).toEqual({ name: "Ada", age: 36 });
  });

  it("fails with every problem when the answer does not match, retryable", () => {
    const error = failure(() => structuredOutput('{"name": 7, "age": -1, "extra": true}', person, false));
    expect(error.code).toBe("invalid_structured_output");
    expect(error.retryable).toBe(true);
    const { problems, answer } = error.details as { problems: string[]; answer: string };
    expect(problems.some((p) => p.startsWith("/name:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("/age:"))).toBe(true);
    expect(problems.some((p) => p.includes("extra"))).toBe(true);
    expect(answer).toBe('{"name": 7, "age": -1, "extra": true}');
    expect(error.message).toMatch(/^The model's answer does not match the response_format schema: /);
  });

  it("fails when a JSON format is answered with prose", () => {
    expect(failure(() => structuredOutput("Sure! Here it is", person, false)).message).toMatch(/^The model's answer is not JSON/);
    expect(structuredOutput('{"a": 1}', responseFormat("json_object"), false)).toEqual({ a: 1 });
  });

  it("parses YAML or fenced JSON with parse_structured; prose or a scalar fails", () => {
    expect(structuredOutput("name: Ada\ntags: [a, b]\n", undefined, true)).toEqual({ name: "Ada", tags: ["a", "b"] });
    expect(structuredOutput('```json\n{"a": [1, 2]}\n```', undefined, true)).toEqual({ a: [1, 2] });
    expect(failure(() => structuredOutput("just words", undefined, true)).message).toBe("The model's answer is not a mapping or a list");
    expect(failure(() => structuredOutput("a: [unclosed", undefined, true)).message).toMatch(
      /^The model's answer is neither JSON nor YAML/,
    );
  });

  it("is absent when none was asked for, or the model answered with tool calls only", () => {
    expect(structuredOutput('{"a": 1}', undefined, false)).toBeUndefined();
    expect(structuredOutput(null, person, true)).toBeUndefined();
  });

  it("refuses a schema that cannot be used as a param error", () => {
    const broken = responseFormat({ type: "json_schema", json_schema: { schema: { $ref: "#/nowhere" } } });
    expect(failure(() => structuredOutput("{}", broken, false))).toMatchObject({ code: "invalid_params", retryable: false });
  });
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-1",
  model: "m-1",
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

describe("a streamed answer put back together", () => {
  it("is the answer the same request gets whole: text, tool calls from fragments, usage", () => {
    const answer = new ChunkAccumulator();
    const texts = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Let me" }),
      chunk({ content: " look." }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "search", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "time", arguments: "{}" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }),
      chunk({}, "tool_calls"),
      { id: "chatcmpl-1", model: "m-1", choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ].map((c) => answer.add(c));
    expect(texts.join("")).toBe("Let me look.");
    const calls = [
      { id: "call_1", type: "function" as const, function: { name: "search", arguments: '{"q":"x"}' } },
      { id: "call_2", type: "function" as const, function: { name: "time", arguments: "{}" } },
    ];
    const whole = chatResult(
      "chatcmpl-1",
      "m-1",
      [{ index: 0, content: "Let me look.", refusal: null, tool_calls: calls, finish_reason: "tool_calls" }],
      { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    );
    expect(answer.result()).toEqual(whole);
    expect(whole).toMatchObject({ content: "Let me look.", has_tool_calls: true, tool_calls: calls, finish_reason: "tool_calls" });
  });

  it("fails, retryably, when the stream ended before the answer finished", () => {
    const answer = new ChunkAccumulator();
    answer.add(chunk({ content: "Half an" }));
    expect(failure(() => answer.result())).toMatchObject({ code: "llm_incomplete", retryable: true });
    expect(failure(() => new ChunkAccumulator().result()).code).toBe("llm_incomplete");
  });
});

describe("live deltas, paced", () => {
  it("sends the first piece at once, joins what comes within the interval, and the rest at the end", async () => {
    let clock = 1000;
    const sent: string[] = [];
    const pacer = new DeltaPacer(
      (text) => sent.push(text),
      () => clock,
    );
    pacer.push("Hel");
    pacer.push("lo");
    pacer.push(",");
    expect(sent).toEqual(["Hel"]);
    clock += DELTA_INTERVAL_MS;
    await new Promise((resolve) => setTimeout(resolve, DELTA_INTERVAL_MS + 10));
    expect(sent).toEqual(["Hel", "lo,"]);
    pacer.push(" world");
    pacer.end();
    expect(sent).toEqual(["Hel", "lo,", " world"]);
    expect(sent.join("")).toBe("Hello, world");
  });
});

describe("where a call goes", () => {
  it("to the provider's known URL, or base_url, or the original's options.base_url / options.endpoint", () => {
    expect(resolveTarget({})).toEqual({ provider: "openai", baseUrl: "https://api.openai.com/v1", extra: {} });
    expect(resolveTarget({ provider: "anthropic" }).baseUrl).toBe("https://api.anthropic.com/v1/");
    expect(resolveTarget({ provider: "ollama", base_url: "http://localhost:11434/v1" }).baseUrl).toBe("http://localhost:11434/v1");
    const fromOptions = resolveTarget({ provider: "vllm", options: { base_url: "http://gpu:8000/v1", top_p: 0.9 } });
    expect(fromOptions).toEqual({ provider: "vllm", baseUrl: "http://gpu:8000/v1", extra: { top_p: 0.9 } });
    expect(resolveTarget({ provider: "x", options: { endpoint: "https://llm.example.com/v1/chat/completions" } }).baseUrl).toBe(
      "https://llm.example.com/v1",
    );
    expect(resolveTarget({ provider: "x", options: { base_url: "http://h:1", endpoint: "/api/v1/chat/completions" } }).baseUrl).toBe(
      "http://h:1/api/v1",
    );
  });

  it("fails without a URL for an unknown provider, or with an endpoint that is not chat completions", () => {
    expect(failure(() => resolveTarget({ provider: "mystery" }))).toMatchObject({ code: "invalid_params", details: { param: "base_url" } });
    expect(failure(() => resolveTarget({ options: { endpoint: "https://x.example/v1/completions" } })).message).toMatch(
      /must end with \/chat\/completions/,
    );
  });
});

describe("a provider's error answer", () => {
  const target = resolveTarget({ provider: "openai" });
  const key = "sk-live-0123456789abcdef";

  it.each([
    [429, "llm_rate_limited", true],
    [500, "llm_unavailable", true],
    [503, "llm_unavailable", true],
    [401, "llm_unauthorized", false],
    [403, "llm_unauthorized", false],
    [400, "llm_rejected", false],
    [404, "llm_rejected", false],
  ])("%i is %s (retryable: %s)", (status, code, retryable) => {
    expect(providerError(target, key, status, { message: "nope" }, null)).toMatchObject({ code, retryable });
  });

  it("keeps the provider's error body and request id, with the key removed in every form", () => {
    const echoed = {
      message: `Incorrect API key provided: ${key}.`,
      type: "invalid_request_error",
      param: null,
      code: "invalid_api_key",
      hint: btoa(key),
    };
    const error = providerError(target, key, 401, echoed, "req_42");
    expect(error.message).toBe("openai answered 401: Incorrect API key provided: [REDACTED].");
    expect(error.details).toEqual({
      status: 401,
      provider: "openai",
      error: {
        message: "Incorrect API key provided: [REDACTED].",
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
        hint: "[REDACTED]",
      },
      request_id: "req_42",
    });
    expect(providerError(target, key, 502, "<html>Bad gateway</html>", null).details).toMatchObject({ error: "<html>Bad gateway</html>" });
  });
});
