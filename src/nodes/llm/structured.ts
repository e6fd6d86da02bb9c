/**
 * An `llm` answer as data (`structured_output`): with `response_format` json_schema, the answer must
 * be JSON that the schema accepts; with json_object, JSON; with `parse_structured`, JSON or YAML (code
 * fences allowed). JSON Schema is checked with @cfworker/json-schema, which needs no code generation
 * (Workers forbid it).
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { parse as parseYaml } from "yaml";
import { NodeError } from "../../engine/outcome";
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";

/** Validation messages kept in an error's details: enough to see what is wrong, not a flood. */
const MAX_PROBLEMS = 20;
/** Characters of the answer kept in an error's details. */
const MAX_ANSWER = 2000;

/** OpenAI's response_format object for what the node was given: `"json_object"` → `{type: "json_object"}`. */
export function responseFormat(value: string | JsonObject | undefined): JsonObject | undefined {
  if (value === undefined) return undefined;
  const format: JsonObject = typeof value === "string" ? { type: value } : { ...value };
  // OpenAI requires a name; a flow that only cares about the schema need not invent one.
  if (format.type === "json_schema" && isRecord(format.json_schema) && format.json_schema.name === undefined) {
    format.json_schema = { name: "output", ...format.json_schema };
  }
  return format;
}

/** The schema the answer must satisfy, if the format has one. */
function schemaOf(format: JsonObject | undefined): JsonObject | undefined {
  if (format?.type !== "json_schema" || !isRecord(format.json_schema)) return undefined;
  const { schema } = format.json_schema;
  return isRecord(schema) ? schema : undefined;
}

/**
 * The answer's data, or undefined when the node asked for none (or there is no text answer, as when
 * the model calls tools). Fails with `invalid_structured_output` (retried: a model may well answer
 * right the next time) when the answer is not the data asked for, with the problems in the details.
 */
export function structuredOutput(content: string | null, format: JsonObject | undefined, parseStructured: boolean): JsonValue | undefined {
  if (content === null) return undefined;
  const wantsJson = format?.type === "json_schema" || format?.type === "json_object";
  if (!wantsJson && !parseStructured) return undefined;
  const data = wantsJson ? parseJson(content) : parseData(content);
  const schema = schemaOf(format);
  if (schema) checkSchema(schema, data, content);
  return data;
}

function parseJson(content: string): JsonValue {
  try {
    return JSON.parse(content) as JsonValue;
  } catch (error) {
    throw invalid("The model's answer is not JSON", [(error as Error).message], content);
  }
}

/** JSON or YAML, inside a Markdown code fence or not; only a mapping or a list counts as data. */
function parseData(content: string): JsonValue {
  const fenced = content.match(/^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n\s*```\s*$/);
  const text = fenced ? fenced[1]! : content;
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw invalid("The model's answer is neither JSON nor YAML", [(error as Error).message], content);
  }
  if (typeof data !== "object" || data === null) throw invalid("The model's answer is not a mapping or a list", [], content);
  return data as JsonValue;
}

function checkSchema(schema: JsonObject, data: JsonValue, content: string): void {
  let result;
  try {
    result = new Validator(schema as Schema, "2020-12", false).validate(data);
  } catch (error) {
    throw new NodeError(
      "invalid_params",
      `response_format's JSON Schema cannot be used: ${(error as Error).message}`,
      { param: "response_format" },
      false,
    );
  }
  if (result.valid) return;
  const problems = result.errors.slice(0, MAX_PROBLEMS).map((e) => `${e.instanceLocation.replace(/^#/, "") || "/"}: ${e.error}`);
  throw invalid("The model's answer does not match the response_format schema", problems, content);
}

function invalid(message: string, problems: string[], content: string): NodeError {
  const shown = problems.length ? `: ${problems.slice(0, 3).join("; ")}` : "";
  return new NodeError("invalid_structured_output", `${message}${shown}`, { problems, answer: content.slice(0, MAX_ANSWER) });
}
