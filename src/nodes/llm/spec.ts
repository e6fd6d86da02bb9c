/** `llm`: one chat-model call. */
import { z } from "zod";
import { durationParam, freeMap, isTemplate, jsonValue, stringOrList } from "../../flow/primitives";
import { defineNodeType, type ParamProblem } from "../../flow/node-types/spec";

export const ROLES = ["system", "user", "assistant", "tool", "developer"] as const;

/** Providers whose API URL is known; any other name needs `base_url`. */
export const PROVIDER_URLS: Readonly<Record<string, string>> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1/",
};

// Tool definitions are passed to the model as they are (OpenAI format), so
// only the parts FlowRunner itself reads are checked.
const functionTool = z.strictObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: freeMap.optional().describe("JSON Schema of the arguments"),
  }),
});

const message = z.looseObject({
  role: z.enum(ROLES),
  content: z.union([z.string(), z.array(jsonValue), z.null()]).optional(),
});

const templateMessage = z.strictObject({
  role: z.enum(ROLES),
  template: z.string().describe("Text with {{.name}} placeholders filled from context"),
});

/** How to reach a model: shared by every node type that calls one (`llm`, `agent`). */
export const connection = {
  provider: z.string().optional().describe("openai (default), anthropic, or any name for an OpenAI-compatible endpoint given by base_url"),
  api_key: z.string().describe('API key, usually "${secrets.OPENAI_API_KEY}"'),
  model: z.string().min(1).describe("Model name, e.g. gpt-4.1-mini"),
  base_url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe("The OpenAI-compatible API's URL, up to /chat/completions (Workers AI, AI Gateway, Ollama, vLLM...); default from provider"),
  temperature: z.number().min(0).max(2).optional().describe("Sampling temperature (the provider's default when absent)"),
  options: freeMap.optional().describe("Merged into the request body; the original's base_url and endpoint keys also select the server"),
  timeout: durationParam({ positive: true }).prefault("120s").describe("The whole call, retries included (default 120s)"),
  max_retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .default(2)
    .describe("Retries of a 429, 5xx or lost connection, after Retry-After (default 2)"),
};

/** A connection's provider needs `base_url` unless it is one with a known URL. */
export function connectionProblems(params: Record<string, unknown>): ParamProblem[] {
  const provider = params.provider ?? "openai";
  if (typeof provider !== "string" || isTemplate(provider) || Object.hasOwn(PROVIDER_URLS, provider)) return [];
  const options = params.options;
  const inOptions = typeof options === "object" && options !== null && ("base_url" in options || "endpoint" in options);
  if (params.base_url !== undefined || inOptions || isTemplate(options)) return [];
  return [
    {
      path: ["base_url"],
      message: `provider '${provider}' needs base_url (known providers: ${Object.keys(PROVIDER_URLS).join(", ")})`,
      missing: true,
    },
  ];
}

export const llm = defineNodeType({
  type: "llm",
  description:
    "Calls a chat model. Messages come from templates+context, messages, prompt, or template+variables (first present wins; with none, from the input). Output: {id, model, content, message, finish_reason, has_tool_calls, tool_calls, choices, usage, structured_output?}.",
  actions: ["default"],
  params: {
    ...connection,
    max_tokens: z.number().int().min(1).optional().describe("Completion token limit"),
    stop: stringOrList.optional().describe("Stop sequence(s)"),
    tools: z.array(functionTool).optional().describe("[{type: function, function: {name, description, parameters}}]"),
    tool_choice: z
      .union([z.string().min(1), z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string().min(1) }) })])
      .optional()
      .describe("auto, none, required, a tool's name, or {type: function, function: {name}}"),
    functions: z
      .array(z.looseObject({ name: z.string().min(1) }))
      .optional()
      .describe("Legacy function definitions"),
    response_format: z
      .union([z.string(), freeMap])
      .optional()
      .describe('"json_object", or an OpenAI response_format object; with json_schema the answer is checked against the schema'),
    parse_structured: z.boolean().optional().describe("Parse a YAML/JSON answer into structured_output"),
    stream: z.boolean().optional().describe("Stream token deltas to the run's WebSocket (default: when a client watches)"),
    messages: z.array(message).min(1).optional().describe("[{role, content}] chat messages"),
    prompt: z.string().optional().describe("A single user message"),
    templates: z.array(templateMessage).min(1).optional().describe("[{role, template}] filled from context"),
    context: freeMap.optional().describe("Values for the {{.name}} placeholders of templates"),
    template: z.string().optional().describe("One message with {{.name}} placeholders filled from variables"),
    variables: freeMap.optional().describe("Values for template"),
    role: z.enum(ROLES).optional().describe("Role of the template message (default user)"),
  },
  crossCheck: (params) => {
    const problems = connectionProblems(params);
    if (params.tool_choice !== undefined && params.tools === undefined && params.functions === undefined) {
      problems.push({ path: ["tool_choice"], message: "'tool_choice' needs 'tools'" });
    }
    return problems;
  },
});
