/** `condition`: the action of the first case that holds, or the script's answer. */
import { NodeError } from "../../engine/outcome";
import { evaluateTemplates } from "../../expressions";
import { isTemplate } from "../../flow/primitives";
import { defineNode } from "../define";
import { actionOf, forwardLogs, holds, runScript, type ScriptContext } from "../scripting";
import { condition } from "./spec";

/**
 * `conditions` holds scripts, so the lifecycle leaves it untemplated; its actions are templates
 * (`action: "${input.route}"`), evaluated here, for the case that holds only.
 */
async function chosenAction(ctx: ScriptContext, action: string, index: number): Promise<string> {
  if (!isTemplate(action)) return action;
  const evaluated = await evaluateTemplates(action, await ctx.scope(), {
    sandbox: ctx.sandbox,
    pathPrefix: `nodes.${ctx.nodeId}.params.conditions[${index}].action`,
  });
  forwardLogs(evaluated.logs, ctx.log);
  if (!evaluated.ok) throw new NodeError("template_error", evaluated.error.message, { path: evaluated.error.path }, false);
  return actionOf(evaluated.value);
}

export const conditionNode = defineNode({
  spec: condition,
  sideEffects: false,
  run: async (ctx) => {
    if (ctx.params.condition_script !== undefined) {
      const result = await runScript(ctx, ctx.params.condition_script, "condition_script");
      return {
        kind: "done",
        action: actionOf(result.value),
        output: ctx.input,
        ...(result.shared === undefined ? {} : { shared: result.shared }),
      };
    }
    for (const [i, { condition, action }] of (ctx.params.conditions ?? []).entries()) {
      if (await holds(ctx, condition, `conditions[${i}].condition`))
        return { kind: "done", action: await chosenAction(ctx, action, i), output: ctx.input };
    }
    return { kind: "done", action: ctx.params.default_action ?? "default", output: ctx.input };
  },
});
