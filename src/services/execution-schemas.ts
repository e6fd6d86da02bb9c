/**
 * What the API answers about executions, defined once: the routes serve these schemas (and the
 * OpenAPI document is generated from them), the execution object builds values of their types,
 * and the CLI reads its answers with the same types. Plain zod, so importing this module brings no
 * Hono; the `id` in `.meta()` names the schema in the OpenAPI document. Type-only importers (the
 * CLI) get no zod at run time.
 */
import { z } from "zod";
import { EXECUTION_STATUSES } from "../engine/types";
import { jsonValue } from "../lib/json-schema";
import { pageOf } from "./page-schema";

/** Any JSON value: not checked on the way out, typed as JSON for the code that builds answers. */
export const Json = jsonValue.meta({ description: "Any JSON value" });

export const ExecutionStatusSchema = z.enum(EXECUTION_STATUSES).meta({
  description: "running and waiting go on; completed, failed and cancelled are final",
});

export const RunErrorSchema = z
  .object({ code: z.string(), message: z.string(), node_id: z.string(), details: Json.optional() })
  .meta({ description: "Why a step or a run failed" });

export const UsageSchema = z.record(z.string(), z.number()).meta({
  id: "Usage",
  description:
    "What steps reported consuming, as named counters (the llm node: prompt_tokens, completion_tokens, total_tokens); a run's is the sum over its steps",
});

const WaitSchema = z.object({
  node_id: z.string(),
  state: z.string(),
  event: z.string().optional(),
  data: Json.optional().meta({ description: "What a node waiting for the event shows, e.g. the tool call it asks approval for" }),
});

/** What a run's full view and its list summary both say about it. */
const executionFields = {
  id: z.string(),
  flow_id: z.string(),
  flow_version: z.number().int(),
  status: ExecutionStatusSchema,
  trigger: z.string().meta({
    description:
      "What started the run: api, subflow, mcp, rerun:<execution id>, or <type>:<trigger id> for a trigger (cron, webhook, flow, email)",
  }),
  parent_id: z.string().nullable(),
  step_count: z.number().int(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
};

export const ExecutionSchema = z
  .object({
    ...executionFields,
    current_nodes: z
      .array(z.string())
      .meta({ description: "Nodes with a branch running or waiting there (not branches parked at a join)" }),
    waiting_for: z.array(WaitSchema),
    usage: UsageSchema.nullable().meta({ description: "Summed over the run's steps; null when no step reported any" }),
    input: Json,
    output: Json,
    error: RunErrorSchema.nullable(),
    shared: Json,
  })
  .meta({ id: "Execution" });

/** The answer to starting a run (POST .../run, .../rerun, schedules' run): the run, its id also as `execution_id`. */
export const StartedExecutionSchema = ExecutionSchema.extend({
  execution_id: z.string().meta({ description: "The run's id (the same as `id`)" }),
}).meta({ id: "StartedExecution" });

export const ExecutionSummarySchema = z
  .object({
    ...executionFields,
    current_nodes: z.array(z.string()),
    error: RunErrorSchema.omit({ details: true }).nullable(),
    output_preview: z.string().nullable(),
    updated_at: z.string(),
  })
  .meta({ id: "ExecutionSummary" });

export const StepSchema = z
  .object({
    seq: z.number().int(),
    node_id: z.string(),
    attempt: z.number().int(),
    status: z.string(),
    action: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().nullable(),
    input: Json,
    output: Json,
    error: RunErrorSchema.nullable(),
    usage: UsageSchema.nullable().meta({ description: "What this attempt reported consuming; null when nothing" }),
  })
  .meta({ id: "Step" });

export const LogLineSchema = z
  .object({ seq: z.number().int(), time: z.string(), level: z.string(), node_id: z.string().nullable(), message: z.string(), data: Json })
  .meta({ id: "LogLine" });

export const ExecutionPageSchema = pageOf("executions", ExecutionSummarySchema);
export const StepListSchema = z.object({ steps: z.array(StepSchema) });
export const LogListSchema = z.object({ logs: z.array(LogLineSchema) });
/** The answer to an event sent to a run: how many waiting nodes it resumed, and the run then. */
export const EventDeliverySchema = z.object({ delivered: z.number().int(), execution: ExecutionSchema });

export type ExecutionView = z.infer<typeof ExecutionSchema>;
export type StartedExecution = z.infer<typeof StartedExecutionSchema>;
export type ExecutionSummaryView = z.infer<typeof ExecutionSummarySchema>;
export type ExecutionPage = z.infer<typeof ExecutionPageSchema>;
export type StepView = z.infer<typeof StepSchema>;
export type LogLine = z.infer<typeof LogLineSchema>;
export type StepList = z.infer<typeof StepListSchema>;
export type LogList = z.infer<typeof LogListSchema>;
export type EventDelivery = z.infer<typeof EventDeliverySchema>;
export type RunError = z.infer<typeof RunErrorSchema>;
