/**
 * What a remote plugin (HTTP endpoint, service binding) answers, read into a PluginOutcome:
 * `{output, action?, logs?}` or `{error: {code, message, retryable?}, logs?}`. Anything else is the
 * plugin's fault (`plugin_protocol_error`, not retried), reported without echoing the answer.
 */
import { isRecord, type JsonValue } from "../lib/json";
import type { PluginLog, PluginLogLevel, PluginOutcome } from "./contract";

const LEVELS: readonly PluginLogLevel[] = ["debug", "info", "warn", "error"];
/** Log lines kept per call, and characters per line: a plugin cannot flood the run's log. */
const MAX_LOGS = 100;
const MAX_LOG_CHARS = 2_000;
const ERROR_CODE = /^[a-z][a-z0-9_.]{0,63}$/;

function logsOf(raw: unknown): PluginLog[] {
  if (!Array.isArray(raw)) return [];
  const logs: PluginLog[] = [];
  for (const entry of raw.slice(0, MAX_LOGS)) {
    if (!isRecord(entry) || typeof entry.message !== "string") continue;
    const level = LEVELS.includes(entry.level as PluginLogLevel) ? (entry.level as PluginLogLevel) : "info";
    logs.push({ level, message: entry.message.slice(0, MAX_LOG_CHARS) });
  }
  return logs;
}

export const protocolError = (message: string, logs: PluginLog[] = []): PluginOutcome => ({
  ok: false,
  error: { code: "plugin_protocol_error", message, retryable: false },
  logs,
});

/**
 * The outcome an answer stands for. Whether its action is one the node declares is checked by the
 * adapter node, for every kind alike.
 */
export function readAnswer(answer: unknown): PluginOutcome {
  if (!isRecord(answer)) return protocolError("The plugin answered something other than a JSON object");
  const logs = logsOf(answer.logs);
  if (answer.error !== undefined) {
    const error = answer.error;
    if (!isRecord(error) || typeof error.message !== "string") return protocolError("The plugin's error has no message", logs);
    const code = typeof error.code === "string" && ERROR_CODE.test(error.code) ? error.code : "plugin_error";
    return { ok: false, error: { code, message: error.message.slice(0, MAX_LOG_CHARS), retryable: error.retryable === true }, logs };
  }
  if (!("output" in answer)) return protocolError("The plugin's answer has neither output nor error", logs);
  const action = answer.action === undefined || answer.action === null ? "default" : answer.action;
  if (typeof action !== "string") return protocolError("The plugin's action is not a string", logs);
  return { ok: true, output: (answer.output ?? null) as JsonValue, action, logs };
}
