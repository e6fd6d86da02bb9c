/**
 * What the API answers about the service's health and an account's metrics, defined once (plain zod,
 * as in execution-schemas.ts): the routes serve these schemas, the services build values of their types
 * and the CLI imports the types.
 */
import { z } from "zod";
import { EXECUTION_STATUSES } from "../engine/types";

export const READINESS_CHECKS = ["storage", "migrations", "vault", "secrets"] as const;

export const ReadinessCheckSchema = z
  .object({
    name: z.enum(READINESS_CHECKS),
    ok: z.boolean(),
    message: z.string().meta({ description: "What was found; never a secret value" }),
    fix: z.string().optional().meta({ description: "What to do when the check fails" }),
  })
  .meta({ id: "ReadinessCheck" });

export const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    mode: z.enum(["production", "development"]).meta({ description: "FLOWRUNNER_ENV" }),
    checks: z.array(ReadinessCheckSchema),
  })
  .meta({ id: "Readiness" });

const StatusCounts = z
  .partialRecord(z.enum(EXECUTION_STATUSES), z.number().int())
  .meta({ description: "Runs per status; statuses without runs are left out" });

export const AccountMetricsSchema = z
  .object({
    since: z.string().meta({ description: "Start of the window (inclusive), ISO 8601 UTC: runs created from then on count" }),
    until: z.string().meta({ description: "End of the window (exclusive)" }),
    runs: z.object({ total: z.number().int(), by_status: StatusCounts }),
    flows: z
      .array(
        z.object({
          flow_id: z.string(),
          name: z.string().nullable().meta({ description: "null when the flow was deleted" }),
          total: z.number().int(),
          by_status: StatusCounts,
        }),
      )
      .meta({ description: "Flows with runs in the window, most runs first (at most 50)" }),
    duration_ms: z
      .object({
        finished: z.number().int().meta({ description: "Finished runs the percentiles are taken over" }),
        p50: z.number().nullable(),
        p95: z.number().nullable(),
      })
      .meta({ description: "Creation to finish of the finished runs (nearest-rank percentiles); null without finished runs" }),
    failing_nodes: z
      .array(z.object({ node_id: z.string(), flow_id: z.string(), count: z.number().int() }))
      .meta({ description: "The nodes failed runs failed at, most failures first (at most 10)" }),
    steps: z.number().int().meta({ description: "Steps of the window's runs" }),
    tokens: z.number().int().meta({ description: "Model tokens of the window's runs" }),
    truncated: z.boolean().meta({ description: "True when only the newest runs of the window were read (DynamoDB reads at most 10,000)" }),
  })
  .meta({ id: "AccountMetrics" });

export type ReadinessCheck = z.infer<typeof ReadinessCheckSchema>;
export type Readiness = z.infer<typeof ReadinessSchema>;
export type AccountMetricsView = z.infer<typeof AccountMetricsSchema>;
