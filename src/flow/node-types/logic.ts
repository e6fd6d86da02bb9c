/** Control flow and scripting: transform, condition, delay, wait, sub-flow. */
import { z } from "zod";
import { durationSchema, isTemplate, timestampSchema } from "../primitives";
import { defineNodeType, requiredBySelector } from "./spec";
import type { ParamProblem } from "./spec";

export const transform = defineNodeType({
  type: "transform",
  description: "Runs script as a JavaScript function body; its return value is the output.",
  actions: ["default"],
  scriptParams: ["script"],
  params: {
    script: z.string().min(1).describe("Function body; sees input, results, shared, secrets, execution, params"),
  },
});

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

export const delay = defineNodeType({
  type: "delay",
  description: "Pauses the branch for duration, then passes its input on.",
  actions: ["default"],
  params: {
    duration: durationSchema().describe("How long to pause"),
  },
});

export const WAIT_TYPES = ["duration", "until_time", "event"] as const;

export const wait = defineNodeType({
  type: "wait",
  description:
    "Suspends the execution (no CPU held): for a duration, until a time, or until an event is posted to /executions/{id}/events/{event}. An event wait that times out finishes with action 'timeout'.",
  actions: ["default", "timeout"],
  params: {
    type: z
      .enum(WAIT_TYPES, { error: "must be duration, until_time or event (the original's polling 'condition' wait is not supported)" })
      .optional()
      .describe("What to wait for (default duration)"),
    duration: durationSchema().optional().describe("type duration: how long"),
    time: timestampSchema.optional().describe("type until_time: RFC 3339 time to resume at"),
    event: z.string().min(1).optional().describe("type event: event name to wait for"),
    timeout: durationSchema({ positive: true }).optional().describe("type event: give up after this long (action 'timeout')"),
  },
  crossCheck: (params) => {
    const problems = requiredBySelector(params, "type", "duration", {
      duration: ["duration"],
      until_time: ["time"],
      event: ["event"],
    });
    const kind = params.type ?? "duration";
    if (params.timeout !== undefined && kind !== "event" && !isTemplate(kind)) {
      problems.push({ path: ["timeout"], message: "'timeout' only applies to type: event" });
    }
    return problems;
  },
});

export const subFlow = defineNodeType({
  type: "flow",
  description:
    "Runs another flow of the same account as a child execution; its result is the output. With wait: false it starts the child and continues with {execution_id}.",
  actions: ["default"],
  params: {
    flow_id: z.string().min(1).describe("Id of the flow to run"),
    input: z.unknown().optional().describe("Input of the child execution (default: this node's input)"),
    version: z.union([z.string(), z.number()]).optional().describe("Flow version to run (default: the latest)"),
    wait: z.boolean().optional().describe("Wait for the child to finish (default true)"),
  },
});
