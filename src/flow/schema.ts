/**
 * Zod schemas of the document around the nodes' params: metadata, node
 * settings, the top level. Validation applies them section by section (each
 * section has its own issue codes); `flowDocumentSchema` assembles them for
 * the JSON Schema.
 */
import { z } from "zod";
import { durationSchema, freeMap } from "./primitives";
import { triggersSchema } from "./triggers";

export const TOP_LEVEL_KEYS = ["metadata", "start", "nodes", "timeout", "retention", "triggers"] as const;
export const NODE_KEYS = ["type", "params", "next", "retry", "timeout", "batch", "hooks"] as const;
export const HOOK_NAMES = ["prep", "exec", "post"] as const;

/** A JSON Schema for the run input. Tools take an object of named arguments, so the schema is an object schema. */
export const inputSchemaSchema = z
  .looseObject({
    type: z.literal("object", { error: "must be an object schema (type: object): tools receive named arguments" }),
    properties: z.record(z.string(), z.union([z.boolean(), z.looseObject({})])).optional(),
    required: z.array(z.string()).optional(),
  })
  .describe("JSON Schema of the run input (type: object); MCP clients and agents see it as the arguments of the flow as a tool");

/** Tool names that every MCP client and every model API accepts (OpenAI's rule for function names). */
export const MCP_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const mcpToolSchema = z
  .strictObject({
    tool: z.boolean().describe("true lists the flow as a tool of the account's MCP server, /api/v1/mcp"),
    name: z
      .string()
      .regex(MCP_TOOL_NAME, { error: "must be 1 to 64 letters, digits, _ or -" })
      .optional()
      .describe("Tool name (default: the flow's name in snake_case)"),
    description: z.string().optional().describe("What the tool does, for the model (default: the flow's description)"),
  })
  .describe("The flow as a tool of the account's MCP server");

export const metadataSchema = z
  .looseObject({
    name: z.string().regex(/\S/, { error: "must not be blank" }).describe("Flow name (required unless the API call supplies one)"),
    description: z.string().optional().describe("What the flow does"),
    version: z.union([z.string(), z.number()]).optional().describe('Version label, e.g. "1.0.0"; a YAML number is kept as written'),
    tags: z.array(z.string()).optional().describe("Labels for search"),
    category: z.string().optional().describe("Free-form category"),
    status: z.string().optional().describe("Free-form status, e.g. draft or active"),
    input_schema: inputSchemaSchema.optional(),
    mcp: mcpToolSchema.optional(),
  })
  .describe("About the flow; other keys are allowed and kept");

export const retrySchema = z
  .strictObject({
    max_retries: z.number().int().min(0).max(100).describe("Retries after the first attempt (3 = up to 4 attempts)"),
    wait: durationSchema().optional().describe("Pause before each retry (default 1s)"),
    backoff: z
      .enum(["fixed", "exponential"])
      .optional()
      .describe("fixed (default): the same pause each time; exponential: the pause doubles each retry, with jitter"),
    max_wait: durationSchema({ positive: true }).optional().describe("Upper bound of a pause (default 10m)"),
  })
  .describe("Retry the node when it fails");

/** The original's strategy names, and what each means here. */
export const BATCH_STRATEGY_ALIASES: Readonly<Record<string, "serial" | "parallel">> = {
  serial: "serial",
  parallel: "parallel",
  async: "serial",
  async_batch: "serial",
  parallel_batch: "parallel",
  worker_pool: "parallel",
};

export const batchSchema = z
  .strictObject({
    items: z.unknown().optional().describe('The list to run the node over, usually "${input.items}" (default: the input)'),
    strategy: z
      .enum(Object.keys(BATCH_STRATEGY_ALIASES) as [string, ...string[]])
      .optional()
      .describe("serial (default) or parallel; the original's async/async_batch mean serial, parallel_batch/worker_pool parallel"),
    max_parallel: z.number().int().min(1).optional().describe("parallel: items in flight at once"),
  })
  .describe("Run the node once per item; the output is the list of results in item order");

export const hooksSchema = z
  .strictObject({
    prep: z.string().optional().describe("Before the node: may rewrite input and params"),
    exec: z.string().optional().describe("Replaces what the node does"),
    post: z.string().optional().describe("After the node: may change the output, write shared, choose the action"),
  })
  .describe("JavaScript run around the node");

export const nextSchema = z
  .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
  .describe("action → node id, or a list of node ids to start parallel branches");

/** Written `forever` or a duration; `RETENTION_FOREVER` in the definition. */
export const RETENTION_FOREVER = "forever";

export const retentionSchema = z
  .union([z.literal(RETENTION_FOREVER), durationSchema({ positive: true })], {
    error: () => 'expected a duration such as "7d" or "12h", or forever',
  })
  .describe(
    "How long a finished run of this flow is kept before it is deleted with its steps and logs: a duration (e.g. 7d) or forever. Overrides the account's and the server's retention",
  );

export const nodeTimeoutSchema = durationSchema({ positive: true }).describe("Fail the attempt after this long");

/** A node with params left open; the JSON Schema narrows params per type. */
export function nodeSchema(types: readonly string[]): z.ZodObject {
  return z.strictObject({
    type: z.enum(types as [string, ...string[]]).describe("Node type"),
    params: freeMap.optional().describe("Parameters of the node type"),
    next: nextSchema.optional(),
    retry: retrySchema.optional(),
    timeout: nodeTimeoutSchema.optional(),
    batch: batchSchema.optional(),
    hooks: hooksSchema.optional(),
  });
}

export function flowDocumentSchema(types: readonly string[]): z.ZodObject {
  return z
    .strictObject({
      metadata: metadataSchema,
      start: z.string().optional().describe("First node (default: the one node no edge points to)"),
      nodes: z.record(z.string(), nodeSchema(types)).describe("Node id → node"),
      timeout: durationSchema({ positive: true }).optional().describe("Fail the execution after this long"),
      retention: retentionSchema.optional(),
      triggers: triggersSchema.optional(),
    })
    .describe("A FlowRunner flow");
}
