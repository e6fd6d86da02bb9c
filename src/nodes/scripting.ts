import { lookupPath, parsePath } from "../expressions";
import type { JsonValue } from "../lib/json";
import type { LogLine, SandboxResult } from "../sandbox";
import { NodeError } from "../engine/outcome";
import type { NodeContext } from "./types";

/** What running a script needs of a node's context. */
export type ScriptContext = Pick<NodeContext, "sandbox" | "scope" | "log" | "nodeId">;

/** Runs a script in the sandbox and turns its failure into a NodeError; console output goes to the step's logs. */
export async function runScript(
  ctx: ScriptContext,
  body: string,
  what: string,
  extra: Record<string, JsonValue> = {},
): Promise<Extract<SandboxResult, { ok: true }>> {
  const result = await ctx.sandbox.runScript(body, { ...(await ctx.scope()), ...extra });
  return settle(ctx, result, what);
}

export async function evalExpression(ctx: ScriptContext, expr: string, what: string): Promise<JsonValue> {
  return settle(ctx, await ctx.sandbox.evalExpression(expr, await ctx.scope()), what).value;
}

/**
 * Whether a condition holds. A plain property path (`input.approved`, `results.check.body.ok`) is
 * looked up on the host, as templates do, with no sandbox call; anything else runs in the sandbox.
 */
export async function holds(ctx: ScriptContext, expr: string, what: string): Promise<boolean> {
  const path = parsePath(expr);
  if (path) {
    const found = lookupPath(path, await ctx.scope());
    if (found.found) return Boolean(found.value);
  }
  return Boolean(await evalExpression(ctx, expr, what));
}

/** Console output of a script or template goes to the step's logs (`console.log` as `info`). */
export function forwardLogs(lines: LogLine[], log: ScriptContext["log"]): void {
  for (const line of lines) log(line.level === "log" ? "info" : line.level, line.message);
}

function settle(ctx: ScriptContext, result: SandboxResult, what: string): Extract<SandboxResult, { ok: true }> {
  forwardLogs(result.logs, ctx.log);
  if (result.ok) return result;
  const { kind, message, line, column } = result.error;
  const where = line === undefined ? "" : ` (line ${line}${column === undefined ? "" : `, column ${column}`})`;
  // Syntax errors and exhausted limits (time, memory, output size) fail the same way every time;
  // retrying them only wastes time. A runtime error may depend on data that changes, so it retries.
  throw new NodeError(
    `script_${kind}`,
    `${what}: ${message}${where}`,
    { kind, line: line ?? null, column: column ?? null },
    kind === "runtime",
  );
}

/** A string result is the action; a boolean is "true" or "false"; anything else is stringified. */
export function actionOf(value: JsonValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "default";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
