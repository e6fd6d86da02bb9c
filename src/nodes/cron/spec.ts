/** `cron`: manages the account's schedules from inside a flow. */
import { z } from "zod";
import { cronSchema, jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";
import { timezoneSchema } from "../../flow/triggers";

export const CRON_OPERATIONS = ["schedule", "list", "get", "delete"] as const;

export const cron = defineNodeType({
  type: "cron",
  description:
    "Creates, lists, reads or deletes a schedule of the account; each tick of a schedule starts a run of flow_id. Output: the schedule (schedule, get), {schedules} (list), {id, deleted} (delete).",
  actions: ["default"],
  params: {
    operation: z.enum(CRON_OPERATIONS).optional().describe("schedule (default), list, get or delete"),
    schedule: cronSchema.optional().describe('schedule: cron expression, e.g. "0 9 * * MON-FRI" or "@hourly"'),
    flow_id: z
      .string()
      .min(1)
      .optional()
      .describe(
        "schedule, get, delete: the flow whose schedule it is (default: this flow); list: only this flow's schedules (default: all)",
      ),
    node_id: z.string().min(1).optional().describe("schedule: node to start at (default: the flow's start)"),
    payload: jsonValue.optional().describe("schedule: input of each run"),
    id: z
      .string()
      .min(1)
      .optional()
      .describe(
        "schedule: the schedule's id within flow_id, to create or replace (default: this node's id); get, delete: that id or the public trg_ id",
      ),
    timezone: timezoneSchema.optional().describe("schedule: IANA time zone the expression is read in (default UTC)"),
  },
  crossCheck: (params) => requiredBySelector(params, "operation", "schedule", { schedule: ["schedule"], get: ["id"], delete: ["id"] }),
});
