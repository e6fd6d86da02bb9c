import { describe, expect, it } from "vitest";
import { NodeError } from "../../../../src/engine/outcome";
import type { ParamsOf } from "../../../../src/flow/node-types/spec";
import type { JsonValue } from "../../../../src/lib/json";
import { buildMessages, fillPlaceholders } from "../../../../src/nodes/llm/messages";
import type { llm } from "../../../../src/nodes/llm/spec";

type Params = ParamsOf<typeof llm>;
const params = (extra: Partial<Params>): Params => ({ api_key: "k", model: "m", timeout: 1000, max_retries: 0, ...extra }) as Params;

function failure(run: () => unknown): NodeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NodeError);
    return error as NodeError;
  }
  throw new Error("expected a failure");
}

describe("{{.name}} placeholders", () => {
  it("fills names and dotted paths, with or without spaces; text as it is, anything else as JSON", () => {
    const values = { name: "Ada", user: { age: 36, tags: ["x"] }, ok: true, none: null };
    expect(fillPlaceholders("Hi {{.name}}, {{ .user.age }} {{.user.tags}} {{.ok}} {{.none}} {{.user}}", values, "template")).toBe(
      'Hi Ada, 36 ["x"] true null {"age":36,"tags":["x"]}',
    );
  });

  it("leaves other braces alone", () => {
    expect(fillPlaceholders("{{name}} {{ .}} {{.a-b}} {x}", { name: "n" }, "template")).toBe("{{name}} {{ .}} {{.a-b}} {x}");
  });

  it("fails on a placeholder without a value, naming it, the param and where values come from", () => {
    const missing = failure(() => fillPlaceholders("{{.user.email}}", { user: { name: "x" } }, "templates[1].template"));
    expect(missing).toMatchObject({
      code: "invalid_params",
      retryable: false,
      details: { param: "templates[1].template", placeholder: "user.email" },
    });
    expect(missing.message).toBe("{{.user.email}} in templates[1].template has no value in context");
    expect(failure(() => fillPlaceholders("{{.x}}", {}, "template")).message).toContain("in variables");
    // An inherited property is not a value.
    expect(failure(() => fillPlaceholders("{{.constructor}}", {}, "template")).code).toBe("invalid_params");
  });
});

describe("message sources, in the original's priority order", () => {
  const all = params({
    templates: [
      { role: "system", template: "You are {{.persona}}." },
      { role: "user", template: "{{.q}}" },
    ],
    context: { persona: "terse", q: "Why?" },
    messages: [{ role: "user", content: "from messages" }],
    prompt: "from prompt",
    template: "from {{.where}}",
    variables: { where: "template" },
    role: "developer",
  });

  it("templates + context first, then messages, then prompt, then template + variables (with its role)", () => {
    expect(buildMessages(all, null)).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Why?" },
    ]);
    const { templates: _t, ...noTemplates } = all;
    expect(buildMessages(noTemplates, null)).toEqual([{ role: "user", content: "from messages" }]);
    const { messages: _m, ...noMessages } = noTemplates;
    expect(buildMessages(noMessages, null)).toEqual([{ role: "user", content: "from prompt" }]);
    const { prompt: _p, ...noPrompt } = noMessages;
    expect(buildMessages(noPrompt, null)).toEqual([{ role: "developer", content: "from template" }]);
    expect(buildMessages(params({ template: "plain" }), null)).toEqual([{ role: "user", content: "plain" }]);
  });

  it.each<[string, JsonValue, JsonValue]>([
    ["a string", "Tell me a joke", [{ role: "user", content: "Tell me a joke" }]],
    [
      "messages",
      {
        messages: [
          { role: "system", content: "s" },
          { role: "user", content: "u" },
        ],
      },
      [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
    ],
    ["a prompt", { prompt: "p", question: "ignored" }, [{ role: "user", content: "p" }]],
    ["a question", { question: "What is 2+2?" }, [{ role: "user", content: "What is 2+2?" }]],
    [
      "a question with context",
      { question: "Who?", context: { team: "blue" } },
      [
        { role: "system", content: 'Context:\n{"team":"blue"}' },
        { role: "user", content: "Who?" },
      ],
    ],
  ])("with none of them, from the input: %s", (_what, input, expected) => {
    expect(buildMessages(params({}), input)).toEqual(expected);
  });

  it.each<JsonValue>([null, "", 42, { other: 1 }, { messages: [] }, { messages: ["not an object"] }])(
    "fails without any source (input %j)",
    (input) => {
      const error = failure(() => buildMessages(params({}), input));
      expect(error).toMatchObject({ code: "invalid_params", retryable: false, details: { param: "messages" } });
    },
  );
});
