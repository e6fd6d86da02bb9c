// What the OpenAI-compatible stand-in refuses, as OpenAI refuses it: a 400 with OpenAI's error
// envelope `{error: {message, type, param, code}}`, so a client that sends a malformed request
// fails against the stand-in as it would against the real API.

/** OpenAI's error envelope. */
export function openaiError(message, { type = "invalid_request_error", param = null, code = null } = {}) {
  return { error: { message, type, param, code } };
}

const invalid = (message, param = null, code = null) => ({ status: 400, body: openaiError(message, { param, code }) });

const ROLES = ["system", "user", "assistant", "tool", "developer", "function"];
const CHAT_PARAMS = new Set([
  "model",
  "messages",
  "stream",
  "stream_options",
  "temperature",
  "top_p",
  "n",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "user",
  "seed",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "functions",
  "function_call",
  "response_format",
  "metadata",
  "store",
  "reasoning_effort",
  "service_tier",
  "modalities",
  "prediction",
  "audio",
  "web_search_options",
  "safety_identifier",
  "prompt_cache_key",
  "verbosity",
]);
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** Null when OpenAI would accept the chat completion request, else `{status, body}`. */
export function checkChatRequest(body) {
  if (!isObject(body)) return invalid("We could not parse the JSON body of your request. The body must be a JSON object.");
  for (const key of Object.keys(body)) {
    if (!CHAT_PARAMS.has(key)) return invalid(`Unrecognized request argument supplied: ${key}`);
  }
  if (typeof body.model !== "string" || body.model === "") {
    return invalid("you must provide a model parameter", "model");
  }
  if (body.messages === undefined) return invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  if (!Array.isArray(body.messages)) return invalid("Invalid type for 'messages': expected an array.", "messages", "invalid_type");
  if (body.messages.length === 0)
    return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages", "empty_array");
  const problem = checkMessages(body.messages);
  if (problem) return problem;
  return checkTools(body) ?? checkOptions(body);
}

function checkMessages(messages) {
  /** tool_call ids of the latest assistant message still waiting for their tool answers. */
  let open = new Set();
  for (const [i, message] of messages.entries()) {
    const at = `messages[${i}]`;
    if (!isObject(message)) return invalid(`Invalid type for '${at}': expected an object.`, at, "invalid_type");
    if (!ROLES.includes(message.role)) {
      return invalid(
        `Invalid value: '${message.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `${at}.role`,
        "invalid_value",
      );
    }
    if (message.role !== "tool" && open.size > 0) return unanswered(open, at);
    const content = message.content;
    const contentOk = typeof content === "string" || Array.isArray(content) || (message.role === "assistant" && content == null);
    if (!contentOk)
      return invalid(`Invalid type for '${at}.content': expected one of a string or array of objects.`, `${at}.content`, "invalid_type");
    if (message.role === "assistant" && content == null && !message.tool_calls && !message.function_call) {
      return invalid(`Invalid value for '${at}.content': expected a string, got null.`, `${at}.content`, "invalid_value");
    }
    if (message.role === "assistant" && message.tool_calls !== undefined) {
      if (!Array.isArray(message.tool_calls) || message.tool_calls.length === 0) {
        return invalid(`Invalid 'messages[${i}].tool_calls': empty array. Expected an array with minimum length 1.`, `${at}.tool_calls`);
      }
      for (const [j, call] of message.tool_calls.entries()) {
        const ok = isObject(call) && typeof call.id === "string" && call.type === "function" && isObject(call.function);
        if (!ok || typeof call.function.name !== "string" || typeof call.function.arguments !== "string") {
          return invalid(
            `Invalid '${at}.tool_calls[${j}]': expected {id, type: 'function', function: {name, arguments}}.`,
            `${at}.tool_calls[${j}]`,
          );
        }
      }
      open = new Set(message.tool_calls.map((c) => c.id));
    }
    if (message.role === "tool") {
      if (typeof message.tool_call_id !== "string" || !open.has(message.tool_call_id)) {
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `${at}.role`,
        );
      }
      open.delete(message.tool_call_id);
    }
  }
  return open.size > 0 ? unanswered(open, `messages[${messages.length}]`) : null;
}

const unanswered = (open, at) =>
  invalid(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(", ")}`,
    at,
  );

function checkTools(body) {
  const names = new Set();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return invalid("Invalid type for 'tools': expected an array.", "tools", "invalid_type");
    for (const [i, tool] of body.tools.entries()) {
      if (!isObject(tool) || tool.type !== "function" || !isObject(tool.function)) {
        return invalid(`Invalid 'tools[${i}]': expected {type: 'function', function: {...}}.`, `tools[${i}]`);
      }
      if (typeof tool.function.name !== "string" || !FUNCTION_NAME.test(tool.function.name)) {
        return invalid(
          `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          `tools[${i}].function.name`,
          "invalid_value",
        );
      }
      if (tool.function.parameters !== undefined && !isObject(tool.function.parameters)) {
        return invalid(
          `Invalid type for 'tools[${i}].function.parameters': expected an object.`,
          `tools[${i}].function.parameters`,
          "invalid_type",
        );
      }
      names.add(tool.function.name);
    }
  }
  const choice = body.tool_choice;
  if (choice === undefined) return null;
  if (names.size === 0)
    return invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice");
  if (typeof choice === "string") {
    return ["none", "auto", "required"].includes(choice)
      ? null
      : invalid(`Invalid value: '${choice}'. Supported values are: 'none', 'auto', and 'required'.`, "tool_choice", "invalid_value");
  }
  if (!isObject(choice) || choice.type !== "function" || !isObject(choice.function) || !names.has(choice.function.name)) {
    return invalid(
      `Invalid value for 'tool_choice': no function named '${choice?.function?.name}' was specified in the 'tools' parameter.`,
      "tool_choice",
    );
  }
  return null;
}

function checkOptions(body) {
  if (body.stream_options !== undefined && body.stream !== true) {
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
  }
  if (body.temperature !== undefined && !(typeof body.temperature === "number" && body.temperature >= 0 && body.temperature <= 2)) {
    return invalid(
      `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got ${body.temperature} instead.`,
      "temperature",
      "decimal_above_max_value",
    );
  }
  for (const key of ["max_tokens", "max_completion_tokens"]) {
    if (body[key] !== undefined && !(Number.isInteger(body[key]) && body[key] >= 1)) {
      return invalid(
        `Invalid '${key}': integer below minimum value. Expected a value >= 1, but got ${body[key]} instead.`,
        key,
        "integer_below_min_value",
      );
    }
  }
  const format = body.response_format;
  if (format !== undefined) {
    if (!isObject(format) || !["text", "json_object", "json_schema"].includes(format.type)) {
      return invalid(
        "Invalid value for 'response_format.type': expected one of 'text', 'json_object' or 'json_schema'.",
        "response_format.type",
        "invalid_value",
      );
    }
    if (format.type === "json_schema") {
      const spec = format.json_schema;
      if (!isObject(spec) || typeof spec.name !== "string" || !FUNCTION_NAME.test(spec.name)) {
        return invalid(
          "Missing required parameter: 'response_format.json_schema.name'.",
          "response_format.json_schema.name",
          "missing_required_parameter",
        );
      }
      if (spec.schema !== undefined && !isObject(spec.schema)) {
        return invalid(
          "Invalid type for 'response_format.json_schema.schema': expected an object.",
          "response_format.json_schema.schema",
          "invalid_type",
        );
      }
    }
    if (format.type === "json_object" && !JSON.stringify(body.messages).toLowerCase().includes("json")) {
      return invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", "messages");
    }
  }
  return null;
}

/** Null when OpenAI would accept the embeddings request, else `{status, body}`. */
export function checkEmbeddingsRequest(body) {
  if (!isObject(body)) return invalid("We could not parse the JSON body of your request. The body must be a JSON object.");
  if (typeof body.model !== "string" || body.model === "") return invalid("you must provide a model parameter", "model");
  const input = body.input;
  const ok =
    typeof input === "string"
      ? input !== ""
      : Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === "string" && s !== "");
  if (!ok) return invalid("'input' must be a non-empty string or a non-empty array of non-empty strings.", "input", "invalid_value");
  if (Array.isArray(input) && input.length > 2048) return invalid("'input' must have at most 2048 items.", "input");
  if (body.dimensions !== undefined && !(Number.isInteger(body.dimensions) && body.dimensions >= 1 && body.dimensions <= 3072)) {
    return invalid("Invalid 'dimensions': expected an integer between 1 and 3072.", "dimensions", "invalid_value");
  }
  if (body.encoding_format !== undefined && !["float", "base64"].includes(body.encoding_format)) {
    return invalid(
      `Invalid value: '${body.encoding_format}'. Supported values are: 'float' and 'base64'.`,
      "encoding_format",
      "invalid_value",
    );
  }
  return null;
}
