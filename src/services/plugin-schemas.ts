/**
 * What the API answers about plugins and node types, defined once (plain zod, as in
 * webhook-schemas.ts): the routes serve these schemas, the plugin service builds values of their
 * types, and the CLI imports the types with `import type`.
 */
import { z } from "zod";
import { jsonValue } from "../lib/json-schema";
import { pluginManifestSchema } from "../plugins/contract";
import { pageOf } from "./page-schema";

export const PLUGIN_KINDS = ["builtin", "js", "http", "service"] as const;

export const NodeTypeInfoSchema = z
  .object({
    type: z.string().meta({ description: "The type as written in a flow: `transform`, `acme.create_ticket`" }),
    description: z.string(),
    actions: z.array(z.string()).meta({ description: "Actions besides default and error" }),
    side_effects: z.boolean().nullable().meta({ description: "Whether a call is seen outside the run (null: depends on params)" }),
  })
  .meta({ id: "NodeTypeInfo" });

export const PluginSummarySchema = z
  .object({
    name: z.string().meta({ description: "A plugin's name (the prefix of its node types), or a built-in node type" }),
    kind: z.enum(PLUGIN_KINDS),
    description: z.string(),
    version: z
      .string()
      .meta({ description: "The stored version number (js, http), the operator's label (service), the server's version (builtin)" }),
    node_types: z.array(z.string()),
  })
  .meta({ id: "PluginSummary", description: "A built-in node type, or a plugin the account can use" });

export const PluginListSchema = z.object({ plugins: z.array(PluginSummarySchema) }).meta({ id: "PluginList" });

export const PluginDetailSchema = z
  .object({
    name: z.string(),
    kind: z.enum(PLUGIN_KINDS),
    description: z.string(),
    version: z.string(),
    /** Stored plugins only. */
    manifest: pluginManifestSchema.nullable().meta({ description: "The manifest (null for a built-in node type)" }),
    node_types: z.array(NodeTypeInfoSchema),
    /** JSON Schema of each node type's params, by type. */
    params: z.record(z.string(), z.record(z.string(), jsonValue)),
    url: z.string().nullable().meta({ description: "http plugins: the endpoint" }),
    source: z.string().nullable().meta({ description: "js plugins: the module source" }),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: "PluginDetail", description: "A plugin or a built-in node type. A plugin's signing secret is never shown here." });

export const PluginWithSecretSchema = z
  .intersection(
    PluginDetailSchema,
    z.object({ secret: z.string().meta({ description: "http plugins: the whsec_ signing secret, shown once" }) }),
  )
  .meta({ id: "PluginWithSecret" });

export const PluginVersionSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    kind: z.enum(["js", "http"]),
    manifest_version: z.string().meta({ description: "The author's version label from the manifest" }),
    created_at: z.string().meta({ description: "When this version was saved" }),
    created_by: z.string(),
  })
  .meta({ id: "PluginVersion" });

export const PluginVersionPageSchema = pageOf("versions", PluginVersionSchema).meta({ id: "PluginVersionPage" });

export const PluginTestResultSchema = z
  .object({
    ok: z.boolean(),
    output: jsonValue.optional(),
    action: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
    logs: z.array(z.object({ level: z.string(), message: z.string() })),
    duration_ms: z.number(),
  })
  .meta({ id: "PluginTestResult", description: "What one call of the node type answered" });

export type NodeTypeInfo = z.infer<typeof NodeTypeInfoSchema>;
export type PluginSummary = z.infer<typeof PluginSummarySchema>;
export type PluginList = z.infer<typeof PluginListSchema>;
export type PluginDetail = z.infer<typeof PluginDetailSchema>;
export type PluginWithSecret = z.infer<typeof PluginWithSecretSchema>;
export type PluginVersionView = z.infer<typeof PluginVersionSchema>;
export type PluginTestResult = z.infer<typeof PluginTestResultSchema>;
