import { evaluateTemplates, lookupPath, parsePath } from "../expressions";
import { isTemplate } from "../flow";
import type { JsonValue } from "../lib/json";
import type { LogLine, SandboxResult } from "../sandbox";
import { NodeError } from "../engine/outcome";
import type { NodeContext, NodeImplementation } from "./types";

/** Runs a script in the sandbox and turns its failure into a NodeError; console output goes to the step's logs. */
export async function runScript(
  ctx: NodeContext,
  body: string,
  what: string,
  extra: Record<string, JsonValue> = {},
): Promise<Extract<SandboxResult, { ok: true }>> {
  const result = await ctx.sandbox.runScript(body, { ...(await ctx.scope()), ...extra });
  return settle(ctx, result, what);
}

export async function evalExpression(ctx: NodeContext, expr: string, what: string): Promise<JsonValue> {
  return settle(ctx, await ctx.sandbox.evalExpression(expr, await ctx.scope()), what).value;
}

/**
 * Whether a condition holds. A plain property path (`input.approved`, `results.check.body.ok`) is
 * looked up on the host, as templates do, with no sandbox call; anything else runs in the sandbox.
 */
async function holds(ctx: NodeContext, expr: string, what: string): Promise<boolean> {
  const path = parsePath(expr);
  if (path) {
    const found = lookupPath(path, await ctx.scope());
    if (found.found) return Boolean(found.value);
  }
  return Boolean(await evalExpression(ctx, expr, what));
}

/** Console output of a script or template goes to the step's logs (`console.log` as `info`). */
export function forwardLogs(lines: LogLine[], log: NodeContext["log"]): void {
  for (const line of lines) log(line.level === "log" ? "info" : line.level, line.message);
}

function settle(ctx: NodeContext, result: SandboxResult, what: string): Extract<SandboxResult, { ok: true }> {
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

export const transformNode: NodeImplementation = {
  type: "transform",
  sideEffects: false,
  run: async (ctx) => {
    const result = await runScript(ctx, String(ctx.params.script), "script");
    return { kind: "done", action: "default", output: result.value, ...(result.shared === undefined ? {} : { shared: result.shared }) };
  },
};

/**
 * `conditions` holds scripts, so the lifecycle leaves it untemplated; its actions are templates
 * (`action: "${input.route}"`), evaluated here, for the case that holds only.
 */
async function chosenAction(ctx: NodeContext, action: string, index: number): Promise<string> {
  if (!isTemplate(action)) return action;
  const evaluated = await evaluateTemplates(action, await ctx.scope(), {
    sandbox: ctx.sandbox,
    pathPrefix: `nodes.${ctx.nodeId}.params.conditions[${index}].action`,
  });
  forwardLogs(evaluated.logs, ctx.log);
  if (!evaluated.ok) throw new NodeError("template_error", evaluated.error.message, { path: evaluated.error.path }, false);
  return actionOf(evaluated.value);
}

/** A string result is the action; a boolean is "true" or "false"; anything else is stringified. */
export function actionOf(value: JsonValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "default";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export const conditionNode: NodeImplementation = {
  type: "condition",
  sideEffects: false,
  run: async (ctx) => {
    if (typeof ctx.params.condition_script === "string") {
      const result = await runScript(ctx, ctx.params.condition_script, "condition_script");
      return {
        kind: "done",
        action: actionOf(result.value),
        output: ctx.input,
        ...(result.shared === undefined ? {} : { shared: result.shared }),
      };
    }
    const cases = Array.isArray(ctx.params.conditions) ? ctx.params.conditions : [];
    for (const [i, item] of cases.entries()) {
      const { condition, action } = item as { condition: string; action: string };
      if (await holds(ctx, condition, `conditions[${i}].condition`))
        return { kind: "done", action: await chosenAction(ctx, action, i), output: ctx.input };
    }
    const fallback = typeof ctx.params.default_action === "string" ? ctx.params.default_action : "default";
    return { kind: "done", action: fallback, output: ctx.input };
  },
};
