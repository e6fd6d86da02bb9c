/**
 * What the API answers about bulk operations, defined once (plain zod, as in execution-schemas.ts):
 * the routes validate with and serve these schemas, the operation runner builds values of their
 * types, and the CLI reads its answers with the same types.
 */
import { z } from "zod";
import { EXECUTION_STATUSES, RUN_TRIGGER_TYPES } from "../engine/types";
import { pageOf } from "./page-schema";

export const OPERATION_ACTIONS = ["cancel", "rerun"] as const;
export type OperationAction = (typeof OPERATION_ACTIONS)[number];
export const OPERATION_STATUSES = ["running", "succeeded", "failed", "cancelled"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** The statuses each action can act on: cancelling ends runs that go on, re-running repeats runs that ended. */
export const ACTIONABLE_STATUSES = {
  cancel: ["running", "waiting"],
  rerun: ["completed", "failed", "cancelled"],
} as const satisfies Record<OperationAction, readonly (typeof EXECUTION_STATUSES)[number][]>;

const instant = (description: string) => z.iso.datetime({ offset: true }).optional().meta({ description, example: "2026-01-31T12:00:00Z" });

export const OperationFilterSchema = z
  .object({
    flow_id: z.string().min(1).max(64).optional().meta({ description: "Only runs of this flow (flw_…)" }),
    status: z.enum(EXECUTION_STATUSES).optional().meta({
      description: "Only runs in this status: running or waiting for cancel; completed, failed or cancelled for rerun",
    }),
    trigger_type: z.enum(RUN_TRIGGER_TYPES).optional().meta({ description: "Only runs started this way (api, cron, webhook…)" }),
    since: instant("Only runs created at or after this time"),
    until: instant("Only runs created before this time; never later than the operation's start"),
  })
  .strict()
  .meta({ id: "OperationFilter", description: "Which executions the operation acts on; at least one field" });

export const BulkRequestSchema = z.object({ filter: OperationFilterSchema }).strict().meta({ id: "BulkRequest" });

export const OperationErrorSchema = z
  .object({ execution_id: z.string(), code: z.string(), message: z.string() })
  .meta({ id: "OperationError", description: "Why the action failed on one execution" });

export const OperationSchema = z
  .object({
    id: z.string(),
    action: z.enum(OPERATION_ACTIONS),
    filter: OperationFilterSchema,
    status: z.enum(OPERATION_STATUSES).meta({
      description:
        "running while there is work left; succeeded when every matched run was handled without an error, failed when the action failed on at least one (see errors), cancelled when stopped",
    }),
    scanning: z.boolean().meta({ description: "True while matching runs are still being collected: `matched` may still grow" }),
    matched: z.number().int().meta({ description: "Runs the filter matched when the operation started" }),
    done: z.number().int().meta({ description: "Runs acted on (cancelled, or re-run)" }),
    skipped: z
      .number()
      .int()
      .meta({ description: "Matched runs there was nothing to do for when their turn came (ended meanwhile, or gone)" }),
    failed: z.number().int().meta({ description: "Runs the action failed on" }),
    errors: z.array(OperationErrorSchema).meta({ description: "The first few failures" }),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: "Operation" });

export const OperationPageSchema = pageOf("operations", OperationSchema);

export type OperationFilter = z.infer<typeof OperationFilterSchema>;
export type OperationError = z.infer<typeof OperationErrorSchema>;
export type OperationView = z.infer<typeof OperationSchema>;
export type OperationPage = z.infer<typeof OperationPageSchema>;
