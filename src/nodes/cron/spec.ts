/** `cron`: manages the account's schedules from inside a flow. */
import { z } from "zod";
import { cronSchema, jsonValue } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";

export const CRON_OPERATIONS = ["schedule", "list", "get", "delete"] as const;

export const cron = defineNodeType({
  type: "cron",
  notRunnable: "schedules are not available on this server yet",
  description: "Creates, lists, reads or deletes a schedule of the account; each tick of a schedule starts a run of flow_id.",
  actions: ["default"],
  params: {
    operation: z.enum(CRON_OPERATIONS).optional().describe("schedule (default), list, get or delete"),
    schedule: cronSchema.optional().describe('schedule: cron expression, e.g. "0 9 * * MON-FRI" or "@hourly"'),
    flow_id: z.string().min(1).optional().describe("schedule: flow to start (default: this flow)"),
    node_id: z.string().min(1).optional().describe("schedule: node to start at (default: the flow's start)"),
    payload: jsonValue.optional().describe("schedule: input of each run"),
    id: z.string().min(1).optional().describe("get, delete: schedule id; schedule: id to create or replace"),
  },
  crossCheck: (params) => requiredBySelector(params, "operation", "schedule", { schedule: ["schedule"], get: ["id"], delete: ["id"] }),
});
