/**
 * What a node function may return: `{ output, action? }` (output any JSON, missing means null; action
 * defaults to `default`) or `{ error: { code, message, retryable? } }`. Anything else is refused
 * rather than guessed at, so a typo such as `ouput` is an error the author sees, not a silent null.
 */
import { isRecord, type JsonValue } from "../../lib/json";
import type { PluginFailure } from "../contract";
import { JS_PLUGIN_ERRORS } from "./errors";

export type NodeResult = { ok: true; output: JsonValue; action: string } | { ok: false; error: PluginFailure };

const ACTION = /^[a-z][a-z0-9_]{0,63}$/;
const CODE = /^[a-z][a-z0-9_.]{0,63}$/;
const MAX_MESSAGE = 2_000;

function invalid(message: string): NodeResult {
  return { ok: false, error: { code: JS_PLUGIN_ERRORS.invalidResult, message, retryable: false } };
}

export function readNodeResult(value: JsonValue): NodeResult {
  if (!isRecord(value)) return invalid("A node function must return an object: { output, action? } or { error: { code, message } }");
  const extra = Object.keys(value).filter((key) => key !== "output" && key !== "action" && key !== "error");
  if (extra.length > 0)
    return invalid(`The returned object has unknown keys: ${extra.slice(0, 5).join(", ")} (expected output, action or error)`);
  if (value.error !== undefined) {
    if ("output" in value || "action" in value) return invalid("Return either { output, action? } or { error }, not both");
    const error = value.error;
    if (!isRecord(error) || typeof error.code !== "string" || !CODE.test(error.code) || typeof error.message !== "string") {
      return invalid("error must be { code, message, retryable? }: code lower case letters, digits, _ or . (at most 64), message a string");
    }
    if (error.retryable !== undefined && typeof error.retryable !== "boolean") return invalid("error.retryable must be a boolean");
    const message = error.message.length > MAX_MESSAGE ? `${error.message.slice(0, MAX_MESSAGE)}…` : error.message;
    return { ok: false, error: { code: error.code, message, retryable: error.retryable === true } };
  }
  const action = value.action ?? "default";
  if (typeof action !== "string" || !ACTION.test(action))
    return invalid("action must be a name: lower case letters, digits and _, starting with a letter");
  return { ok: true, output: value.output ?? null, action };
}
