/**
 * What the API answers about schedules, defined once: the routes serve these schemas, the schedule
 * service builds values of their types, the `cron` node outputs them, and the CLI reads them with
 * the same types. Plain zod, as in execution-schemas.ts.
 */
import { z } from "zod";
import { TICK_OUTCOMES } from "../triggers/schedule-state";
import { Json } from "./execution-schemas";
import { pageOf } from "./page-schema";

export const SCHEDULE_STATES = ["active", "paused", "disabled", "flow_disabled", "invalid"] as const;

export const ScheduleTickSchema = z
  .object({
    tick_at: z.string().meta({ description: "The tick's planned time (for run_now: when it was asked for)" }),
    at: z.string().meta({ description: "When the schedule fired for it (its alarm went off); at minus tick_at is how late it fired" }),
    outcome: z.enum(TICK_OUTCOMES).meta({
      description:
        "started; run_now (started by hand); skipped_overlap (the previous run was still going); skipped_paused, skipped_disabled (the schedule or its flow was off); missed (not run, per catchup); failed",
    }),
    execution_id: z.string().nullable(),
    message: z.string().nullable(),
  })
  .meta({ id: "ScheduleTick" });

export const ScheduleSchema = z
  .object({
    id: z.string().meta({ description: "The cron trigger's public id (trg_…)" }),
    key: z.string().meta({ description: "Its id within the flow (or the id a cron node gave it)" }),
    flow_id: z.string(),
    source: z.enum(["flow", "node"]).meta({ description: "flow: declared by the flow's triggers; node: made by a cron node" }),
    cron: z.string(),
    timezone: z.string(),
    overlap: z.enum(["allow", "skip", "cancel_previous"]),
    catchup: z.enum(["none", "latest", "all"]),
    input: Json.meta({ description: "Input of each run" }),
    start_node: z.string().nullable().meta({ description: "Node the runs start at, when not the flow's start (cron node schedules)" }),
    description: z.string().nullable(),
    enabled: z.boolean().meta({ description: "As declared (enabled: false keeps a schedule inactive)" }),
    paused: z.boolean(),
    state: z.enum(SCHEDULE_STATES).meta({
      description: "active (ticking), paused, disabled (declared enabled: false), flow_disabled (the flow's switch is off), invalid",
    }),
    next_fire_at: z.string().nullable().meta({ description: "When the next tick fires; null while the schedule is not active" }),
    last_tick_at: z.string().nullable().meta({ description: "The newest tick handled" }),
    recent: z.array(ScheduleTickSchema).meta({ description: "The recent ticks, newest first" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Schedule" });

export const SchedulePageSchema = pageOf("schedules", ScheduleSchema);

export type ScheduleView = z.infer<typeof ScheduleSchema>;
export type ScheduleTickView = z.infer<typeof ScheduleTickSchema>;
export type SchedulePage = z.infer<typeof SchedulePageSchema>;
