/**
 * What the API answers about flows, defined once: the routes serve these schemas (and the OpenAPI
 * document is generated from them), the flow service builds values of their types, and the CLI
 * reads its answers with the same types (`import type`, so no zod in the CLI at run time). Plain
 * zod, as in execution-schemas.ts: the `id` in `.meta()` names the schema in the OpenAPI document.
 */
import { z } from "zod";
import type { FlowIssue } from "../flow";
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
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "FlowSummary" });

// An intersection rather than `.extend`: the document then shows a Flow as the FlowSummary
// component plus its own fields (allOf), instead of repeating the summary's fields.
export const FlowDetailSchema = z
  .intersection(
    FlowSummarySchema,
    z.object({
      content: z.string().meta({ description: "The YAML source" }),
      metadata: z.record(z.string(), z.unknown()),
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
export const FlowValidationSchema = z.object({
  valid: z.boolean(),
  errors: z.array(FlowIssueSchema),
  warnings: z.array(FlowIssueSchema),
});

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
