/** `llm`: one chat-model call. */
import { z } from "zod";
import { freeMap, jsonValue, stringOrList } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";

export const ROLES = ["system", "user", "assistant", "tool", "developer"] as const;

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

export const connection = {
  provider: z.string().optional().describe("openai (default), anthropic, or any name for an OpenAI-compatible endpoint"),
  api_key: z.string().describe('API key, usually "${secrets.OPENAI_API_KEY}"'),
  model: z.string().min(1).describe("Model name, e.g. gpt-4.1-mini"),
  temperature: z.number().min(0).max(2).optional().describe("Sampling temperature (default 0.7)"),
  options: freeMap.optional().describe("Merged into the request body; base_url and endpoint select an OpenAI-compatible server"),
};

export const llm = defineNodeType({
  type: "llm",
  notRunnable: "model calls are not available on this server yet; an OpenAI-compatible API works through http.request",
  description:
    "Calls a chat model. Messages come from templates+context, messages, prompt, or template+variables (first present wins; with none, from the input). Output: {content, choices, usage, finish_reason, has_tool_calls, tool_calls, structured_output?, ...}.",
  actions: ["default"],
  params: {
    ...connection,
    max_tokens: z.number().int().min(1).optional().describe("Completion token limit"),
    stop: stringOrList.optional().describe("Stop sequence(s)"),
    tools: z.array(functionTool).optional().describe("[{type: function, function: {name, description, parameters}}]"),
    functions: z
      .array(z.looseObject({ name: z.string().min(1) }))
      .optional()
      .describe("Legacy function definitions"),
    response_format: z.union([z.string(), freeMap]).optional().describe('"json_object", or an OpenAI response_format object'),
    parse_structured: z.boolean().optional().describe("Parse a YAML/JSON answer into structured_output"),
    messages: z.array(message).min(1).optional().describe("[{role, content}] chat messages"),
    prompt: z.string().optional().describe("A single user message"),
    templates: z.array(templateMessage).min(1).optional().describe("[{role, template}] filled from context"),
    context: freeMap.optional().describe("Values for the {{.name}} placeholders of templates"),
    template: z.string().optional().describe("One message with {{.name}} placeholders filled from variables"),
    variables: freeMap.optional().describe("Values for template"),
    role: z.enum(ROLES).optional().describe("Role of the template message (default user)"),
  },
});
