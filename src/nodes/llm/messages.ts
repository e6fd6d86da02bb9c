/**
 * Where an `llm` node's messages come from, in the original's order of priority: `templates` filled
 * from `context`, `messages`, `prompt`, `template` filled from `variables`, else the node's input.
 * `{{.name}}` placeholders are the original's (Go text/template) syntax; `${...}` templates were
 * already evaluated by the lifecycle, like in every param.
 */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import type { llm } from "./spec";

type LlmParams = ParamsOf<typeof llm>;

/** `{{.name}}` or `{{ .a.b }}`: a dotted path into the values. */
const PLACEHOLDER = /\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

/**
 * Fills `{{.name}}` placeholders from `values`: text as it is, other values as JSON. A placeholder
 * without a value fails (`invalid_params`, naming it and the param), where Go printed "<no value>"
 * into the prompt unnoticed. Other `{{...}}` text is left as it is.
 */
export function fillPlaceholders(template: string, values: JsonObject, param: string): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => {
    let value: JsonValue | undefined = values;
    for (const key of path.split(".")) value = isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    if (value === undefined) {
      const source = param.startsWith("template") && !param.startsWith("templates") ? "variables" : "context";
      throw new NodeError("invalid_params", `{{.${path}}} in ${param} has no value in ${source}`, { param, placeholder: path }, false);
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}

/** The chat messages the node sends (OpenAI format). */
export function buildMessages(params: LlmParams, input: JsonValue): JsonObject[] {
  if (params.templates) {
    const context = params.context ?? {};
    return params.templates.map((t, i) => ({ role: t.role, content: fillPlaceholders(t.template, context, `templates[${i}].template`) }));
  }
  if (params.messages) return params.messages as JsonObject[];
  if (params.prompt !== undefined) return [{ role: "user", content: params.prompt }];
  if (params.template !== undefined) {
    return [{ role: params.role ?? "user", content: fillPlaceholders(params.template, params.variables ?? {}, "template") }];
  }
  return messagesFromInput(input);
}

/**
 * With no message param, the input says what to ask: a string is the user's message; an object may
 * carry `messages`, a `prompt`, or a `question` (with an optional `context`, sent first as a system
 * message), as the original's reference flows run it.
 */
function messagesFromInput(input: JsonValue): JsonObject[] {
  if (typeof input === "string" && input !== "") return [{ role: "user", content: input }];
  if (isRecord(input)) {
    const messages = Array.isArray(input.messages) ? input.messages.filter((m): m is JsonObject => isRecord(m)) : [];
    if (messages.length > 0 && messages.length === (input.messages as JsonValue[]).length) return messages;
    if (typeof input.prompt === "string") return [{ role: "user", content: input.prompt }];
    if (typeof input.question === "string") {
      const { context } = input;
      const question: JsonObject = { role: "user", content: input.question };
      if (context === undefined || context === null || context === "") return [question];
      return [{ role: "system", content: `Context:\n${typeof context === "string" ? context : JSON.stringify(context)}` }, question];
    }
  }
  throw new NodeError(
    "invalid_params",
    "The llm node has no messages: give messages, prompt, templates or template, or an input that is a string or has messages, prompt or question",
    { param: "messages" },
    false,
  );
}
