/** `wait`: suspends the branch for a duration, until a time, or until an event. */
import { z } from "zod";
import { durationParam, isTemplate, timestampParam } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";

export const WAIT_TYPES = ["duration", "until_time", "event"] as const;

export const wait = defineNodeType({
  type: "wait",
  description:
    "Suspends the execution (no CPU held): for a duration, until a time, or until an event is posted to /executions/{id}/events/{event}. An event wait that times out finishes with action 'timeout'.",
  actions: ["default", "timeout"],
  params: {
    type: z
      .enum(WAIT_TYPES, { error: "must be duration, until_time or event (the original's polling 'condition' wait is not supported)" })
      .default("duration")
      .describe("What to wait for (default duration)"),
    duration: durationParam().optional().describe("type duration: how long"),
    time: timestampParam.optional().describe("type until_time: RFC 3339 time to resume at"),
    event: z.string().min(1).optional().describe("type event: event name to wait for"),
    timeout: durationParam({ positive: true }).optional().describe("type event: give up after this long (action 'timeout')"),
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
