/**
 * What the API answers about flows, defined once: the routes serve these schemas (and the OpenAPI
 * document is generated from them), the flow service builds values of their types, and the CLI
 * reads its answers with the same types (`import type`, so no zod in the CLI at run time). Plain
 * zod, as in execution-schemas.ts: the `id` in `.meta()` names the schema in the OpenAPI document.
 */
import { z } from "zod";
import type { FlowGraphView } from "../flow/graph-view";
import type { FlowIssue } from "../flow/types";
import { pageOf } from "./page-schema";

export const FlowIssueSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    path: z.array(z.union([z.string(), z.number()])),
    line: z.number(),
    column: z.number(),
    limit: z.string().optional().meta({ description: "For limit_exceeded and too_large: the input budget entry broken" }),
  })
  .meta({ id: "FlowIssue" });

export const FlowSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.number().int().meta({ description: "Revision number; also the ETag" }),
    tags: z.array(z.string()),
    category: z.string().nullable(),
    status: z.string(),
    custom: z.record(z.string(), z.unknown()),
    enabled: z.boolean().meta({ description: "Whether the flow's triggers start runs (API runs always do)" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "FlowSummary" });

export const TriggerViewSchema = z
  .object({
    id: z.string().meta({ description: "Public id (trg_…), stable while the flow keeps declaring the trigger" }),
    key: z.string().meta({ description: "The trigger's id within the flow" }),
    type: z.enum(["cron", "webhook", "flow", "email"]),
    source: z.enum(["flow", "node"]).meta({ description: "flow: declared by the flow's triggers; node: made by a cron node" }),
    enabled: z.boolean().meta({ description: "As declared (enabled: false keeps a trigger inactive)" }),
    paused: z.boolean(),
    description: z.string().nullable(),
    url: z.string().optional().meta({ description: "webhook: the URL that starts the flow" }),
    address: z.string().optional().meta({
      description: "email: the address that always reaches the trigger (<trigger id>@EMAIL_DOMAIN), besides its declared address",
    }),
    config: z.record(z.string(), z.unknown()).meta({ description: "The declaration with its defaults" }),
  })
  .meta({ id: "Trigger" });

// An intersection rather than `.extend`: the document then shows a Flow as the FlowSummary
// component plus its own fields (allOf), instead of repeating the summary's fields.
export const FlowDetailSchema = z
  .intersection(
    FlowSummarySchema,
    z.object({
      content: z.string().meta({ description: "The YAML source" }),
      metadata: z.record(z.string(), z.unknown()),
      triggers: z.array(TriggerViewSchema),
      warnings: z.array(FlowIssueSchema),
    }),
  )
  .meta({ id: "Flow" });

export const FlowVersionSchema = z
  .object({
    flow_id: z.string(),
    version: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    created_at: z.string(),
    created_by: z.string(),
    content: z.string().optional(),
  })
  .meta({ id: "FlowVersion" });

export const FlowPageSchema = pageOf("flows", FlowSummarySchema);
export const FlowVersionPageSchema = pageOf("versions", FlowVersionSchema);

/** The answer of POST /flows/validate: findings only, also for an invalid flow. */
export const FlowGraphSchema = z
  .object({
    start: z.string(),
    nodes: z.array(z.object({ id: z.string(), type: z.string() })),
    edges: z.array(z.object({ from: z.string(), to: z.string(), action: z.string() })),
    triggers: z.array(z.object({ id: z.string(), type: z.string(), enabled: z.boolean(), summary: z.string() })),
  })
  .meta({
    id: "FlowGraph",
    description: "The flow as a graph: nodes, edges labelled with actions, and its triggers. Present when the flow is valid.",
  });

export const FlowValidationSchema = z.object({
  valid: z.boolean(),
  errors: z.array(FlowIssueSchema),
  warnings: z.array(FlowIssueSchema),
  // No description of its own here: a described copy would be inlined instead of naming FlowGraph.
  graph: FlowGraphSchema.optional(),
});

export type TriggerView = z.infer<typeof TriggerViewSchema>;
export type FlowSummary = z.infer<typeof FlowSummarySchema>;
export type FlowDetail = z.infer<typeof FlowDetailSchema>;
export type FlowVersionView = z.infer<typeof FlowVersionSchema>;
export type FlowPage = z.infer<typeof FlowPageSchema>;
export type FlowValidation = z.infer<typeof FlowValidationSchema>;

// The validator's FlowIssue (src/flow) is the core type; the schema above is how the API
// documents it. Compilation fails when the two drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _IssueMatchesValidator = Holds<Same<z.infer<typeof FlowIssueSchema>, FlowIssue>>;
type _GraphMatchesView = Holds<Same<z.infer<typeof FlowGraphSchema>, FlowGraphView>>;
