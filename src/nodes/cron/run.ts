/**
 * `cron`: the account's schedules from inside a flow. A schedule a node makes is a cron trigger of
 * its flow (`source: "node"`), keyed by `id` within that flow, so running the node again replaces it
 * rather than adding another; it ticks like a declared one and shows in the schedules API.
 */
import { NodeError } from "../../engine/outcome";
import { defineNode, done } from "../define";
import { cron } from "./spec";

export const cronNode = defineNode({
  spec: cron,
  // Reading schedules is seen by nobody; making or deleting one is.
  sideEffects: (params) => params.operation === undefined || params.operation === "schedule" || params.operation === "delete",
  run: async (ctx) => {
    const { params } = ctx;
    const flowId = params.flow_id ?? ctx.flowId;
    // The schema's cross-param rules guarantee the param each operation needs.
    switch (params.operation ?? "schedule") {
      case "schedule": {
        const schedule = await ctx.schedules.put({
          flowId,
          key: params.id ?? ctx.nodeId,
          cron: params.schedule!,
          timezone: params.timezone,
          input: params.payload ?? {},
          startNode: params.node_id,
        });
        ctx.log("info", `schedule ${schedule.id} (${schedule.key}) of flow ${schedule.flow_id}: ${schedule.cron}`, {
          id: schedule.id,
          next_fire_at: schedule.next_fire_at,
        });
        return done(schedule);
      }
      case "list":
        return done({ schedules: await ctx.schedules.list(params.flow_id) });
      case "get": {
        const schedule = await ctx.schedules.get(params.id!, flowId);
        if (!schedule) throw new NodeError("not_found", `No schedule '${params.id}' in this account`, { id: params.id! }, false);
        return done(schedule);
      }
      case "delete":
        return done(await ctx.schedules.delete(params.id!, flowId));
    }
  },
});
