// What the OpenAI-compatible stand-in answers: chat completions (whole, or as the chunks of an SSE
// stream) for a scripted or default reply, and deterministic embeddings. Everything here is derived
// from the request, so the same request gets the same answer, streamed or not.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

export const hash = (text) => createHash("sha256").update(text).digest("hex");

/** Words and punctuation marks: a rough, deterministic token count. */
export const countTokens = (text) => (String(text ?? "").match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (isObject(part) && typeof part.text === "string" ? part.text : "")).join(" ");
  return "";
}

/** Tokens of the prompt as OpenAI counts roughly: the messages' text, a few per message, the tools' definitions. */
export function promptTokens(body) {
  let total = 3;
  for (const message of body.messages) {
    total += 4 + countTokens(textOf(message.content));
    for (const call of message.tool_calls ?? []) total += countTokens(call.function.name) + countTokens(call.function.arguments);
  }
  if (body.tools) total += countTokens(JSON.stringify(body.tools));
  return total;
}

/** A value that the JSON Schema accepts (the simplest one): what the default model answers for json_schema. */
export function exampleOf(schema) {
  if (!isObject(schema)) return null;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  for (const key of ["anyOf", "oneOf", "allOf"]) if (Array.isArray(schema[key]) && schema[key].length) return exampleOf(schema[key][0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const value = {};
      const properties = isObject(schema.properties) ? schema.properties : {};
      for (const name of schema.required ?? Object.keys(properties)) value[name] = exampleOf(properties[name]);
      return value;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 1 }, () => exampleOf(schema.items));
    case "string":
      return "x".repeat(Math.max(1, schema.minLength ?? 4));
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum === undefined ? 0 : schema.exclusiveMinimum + 1);
    case "boolean":
      return true;
    default:
      return null;
  }
}

/**
 * The default model: a forced or required tool is called with example arguments, a json_schema is
 * answered with an example value, anything else with `echo: <the last user message>`.
 */
export function defaultReply(body) {
  const tools = body.tools ?? [];
  const choice = body.tool_choice;
  const forced = isObject(choice)
    ? tools.find((t) => t.function.name === choice.function.name)
    : choice === "required"
      ? tools[0]
      : undefined;
  if (forced)
    return { tool_calls: [{ name: forced.function.name, arguments: exampleOf(forced.function.parameters ?? { type: "object" }) }] };
  const format = body.response_format;
  if (format?.type === "json_schema") return { json: exampleOf(format.json_schema.schema) };
  const lastUser = [...body.messages].reverse().find((m) => m.role === "user");
  if (format?.type === "json_object") return { json: { echo: textOf(lastUser?.content) } };
  return { content: `echo: ${textOf(lastUser?.content)}` };
}

/**
 * The chat completion for a reply: `"text"`, or `{content?, tool_calls?: [{name, arguments, id?}],
 * json?, refusal?, finish_reason?, usage?}`. Ids come from the request, so a streamed and a whole
 * answer to the same request are the same completion.
 */
export function completion(body, reply, created) {
  const spec = typeof reply === "string" ? { content: reply } : (reply ?? defaultReply(body));
  const id = `chatcmpl-${hash(JSON.stringify([body.model, body.messages, body.tools ?? null, body.response_format ?? null])).slice(0, 24)}`;
  const message = {
    role: "assistant",
    content: spec.json !== undefined ? JSON.stringify(spec.json) : (spec.content ?? null),
    refusal: spec.refusal ?? null,
  };
  if (spec.tool_calls?.length) {
    message.tool_calls = spec.tool_calls.map((call, i) => ({
      id: call.id ?? `call_${hash(`${id}:${i}`).slice(0, 24)}`,
      type: "function",
      function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments ?? {}) },
    }));
  }
  const completionTokens =
    countTokens(message.content) +
    (message.tool_calls ?? []).reduce((n, c) => n + countTokens(c.function.name) + countTokens(c.function.arguments), 0);
  const prompt = spec.usage?.prompt_tokens ?? promptTokens(body);
  const produced = spec.usage?.completion_tokens ?? completionTokens;
  return {
    id,
    object: "chat.completion",
    created,
    model: body.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: spec.finish_reason ?? (message.tool_calls ? "tool_calls" : "stop") }],
    usage: { prompt_tokens: prompt, completion_tokens: produced, total_tokens: prompt + produced },
    system_fingerprint: "fp_standin",
  };
}

/** Text in pieces that join back to it exactly: each word with the whitespace before it. */
export const pieces = (text) => (text === "" ? [] : text.split(/(?<=\S)(?=\s)/));

/**
 * The SSE chunks of a completion, as OpenAI streams it: the role first, then content pieces or
 * tool-call fragments (name first, then the arguments in parts), then the finish reason, then, with
 * `include_usage`, a last chunk with no choices and the usage.
 */
export function streamChunks(done, includeUsage) {
  const base = {
    id: done.id,
    object: "chat.completion.chunk",
    created: done.created,
    model: done.model,
    system_fingerprint: done.system_fingerprint,
  };
  const chunk = (delta, finish = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const { message, finish_reason: finish } = done.choices[0];
  const chunks = [chunk({ role: "assistant", content: message.tool_calls ? null : "", refusal: null })];
  for (const text of pieces(message.content ?? "")) chunks.push(chunk({ content: text }));
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
    for (let at = 0; at < call.function.arguments.length; at += 8) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(at, at + 8) } }] }));
    }
  }
  chunks.push(chunk({}, finish));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: done.usage });
  return chunks;
}

/**
 * A unit vector for the text: its words hashed into the dimensions with a sign (a bag of words), so
 * texts sharing words are near each other, and the same text always gives the same vector.
 */
export function embed(text, dimensions) {
  const vector = new Array(dimensions).fill(0);
  const words = String(text)
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? [String(text)];
  for (const word of words) {
    const digest = hash(word);
    for (let k = 0; k < 4; k++) {
      const n = parseInt(digest.slice(k * 8, k * 8 + 8), 16);
      vector[n % dimensions] += n & 1 ? 1 : -1;
    }
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** The embeddings answer: one vector per input, float or base64 (little-endian float32), with usage. */
export function embeddings(body) {
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  const dimensions = body.dimensions ?? (/large/.test(body.model) ? 3072 : 1536);
  const data = inputs.map((text, index) => {
    const vector = embed(text, dimensions);
    const embedding = body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
    return { object: "embedding", index, embedding };
  });
  const tokens = inputs.reduce((n, text) => n + countTokens(text), 0);
  return { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
