/** `condition`: chooses the action by a script or a list of cases. */
import { z } from "zod";
import { isTemplate } from "../../flow/primitives";
import { defineNodeType, type ParamProblem } from "../../flow/node-types/spec";

const conditionCase = z.strictObject({
  condition: z.string().min(1).describe("JavaScript expression; the first truthy one wins"),
  action: z.string().min(1).describe("Action taken when condition is truthy"),
});

export const condition = defineNodeType({
  type: "condition",
  description:
    "Chooses the action. condition_script: a returned string is the action, a boolean becomes 'true'/'false'. conditions: the action of the first truthy condition, else default_action.",
  actions: ["true", "false"],
  dynamicActions: true,
  scriptParams: ["condition_script", "conditions"],
  params: {
    condition_script: z.string().min(1).optional().describe("Function body returning the action"),
    conditions: z.array(conditionCase).min(1).optional().describe("[{condition, action}], tried in order"),
    default_action: z.string().min(1).optional().describe("Action when no condition matches (default 'default')"),
  },
  actionsFor: (params) => {
    const cases = params.conditions;
    if (!Array.isArray(cases) || params.condition_script !== undefined) return undefined;
    const actions = new Set<string>();
    for (const item of cases) {
      const action = (item as { action?: unknown } | null)?.action;
      if (typeof action !== "string" || isTemplate(action)) return undefined;
      actions.add(action);
    }
    const fallback = params.default_action;
    if (fallback !== undefined) {
      if (typeof fallback !== "string" || isTemplate(fallback)) return undefined;
      actions.add(fallback);
    }
    return [...actions];
  },
  crossCheck: (params) => {
    const hasScript = params.condition_script !== undefined;
    const hasCases = params.conditions !== undefined;
    const problems: ParamProblem[] = [];
    if (hasScript && hasCases) {
      problems.push({ path: ["conditions"], message: "use either 'condition_script' or 'conditions', not both" });
    } else if (!hasScript && !hasCases) {
      problems.push({ path: ["condition_script"], message: "needs 'condition_script' or 'conditions'", missing: true });
    }
    if (hasScript && params.default_action !== undefined) {
      problems.push({ path: ["default_action"], message: "'default_action' only applies to 'conditions'" });
    }
    return problems;
  },
});
