/**
 * Public types of the flow language. `FlowDefinition` is the normalised form
 * the engine consumes; everything YAML allows in several spellings (a `next`
 * target as a string or a list, `version: 1.0` as a number, batch strategy
 * aliases) is reduced to one spelling here so no consumer re-implements it.
 */
import type { NodeTypeSpec } from "./node-types/spec";
import type { TriggerDefinition } from "./triggers";

/** Every code an error can carry. Clients match on codes, never on messages. */
export const FLOW_ERROR_CODES = [
  "yaml_syntax",
  "too_large",
  "limit_exceeded",
  "missing_name",
  "invalid_metadata",
  "no_nodes",
  "unknown_key",
  "invalid_node",
  "unknown_node_type",
  "missing_param",
  "unknown_param",
  "invalid_param",
  "invalid_duration",
  "invalid_cron",
  "invalid_retry",
  "invalid_batch",
  "invalid_trigger",
  "dangling_edge",
  "unknown_start",
  "no_start_node",
  "multiple_start_nodes",
  "too_many_issues",
  "internal_error",
] as const;

/** Every code a warning can carry. Warnings never make a flow invalid. */
export const FLOW_WARNING_CODES = [
  "unreachable_node",
  "unknown_action",
  "node_not_runnable",
  "unchecked_plugin_type",
  "unknown_flow",
  "yaml_warning",
  "too_many_issues",
] as const;

export interface FlowIssue {
  code: string;
  message: string;
  path: (string | number)[];
  /** 1-based line of the offending key or value in the YAML source. */
  line: number;
  /** 1-based column. */
  column: number;
  /** For `limit_exceeded` and `too_large`: the input budget entry the flow broke (docs/flow-language.md). */
  limit?: string;
}

export interface FlowMetadata {
  name: string;
  description?: string;
  version?: string;
  tags?: string[];
  category?: string;
  status?: string;
  /** JSON Schema (an object schema) of the run input. */
  input_schema?: { type: "object"; [k: string]: unknown };
  /** Opts the flow in as a tool of the account's MCP server. */
  mcp?: { tool: boolean; name?: string; description?: string };
  [k: string]: unknown;
}

export interface RetryPolicy {
  /** Retries after the first attempt: 3 means up to 4 attempts. */
  max_retries: number;
  wait?: string;
  backoff?: "fixed" | "exponential";
  max_wait?: string;
}

export interface BatchSpec {
  items?: unknown;
  strategy?: "serial" | "parallel";
  max_parallel?: number;
}

export interface NodeHooks {
  prep?: string;
  exec?: string;
  post?: string;
}

export interface NodeDefinition {
  type: string;
  params: Record<string, unknown>;
  /** action → target node ids (always a list, in source order). */
  next: Record<string, string[]>;
  retry?: RetryPolicy;
  timeout?: string;
  batch?: BatchSpec;
  hooks?: NodeHooks;
  [k: string]: unknown;
}

export interface FlowDefinition {
  metadata: FlowMetadata;
  start: string;
  nodes: Record<string, NodeDefinition>;
  timeout?: string;
  /** How long a finished run is kept: a duration or `forever`; absent to follow the account and the server. */
  retention?: string;
  /** Absent when the flow declares none. */
  triggers?: TriggerDefinition[];
  /**
   * The plugin versions a run uses, by plugin name (0 for an operator's service-binding plugin):
   * set when the run starts, never written in YAML. A later update of a plugin leaves the run on
   * the version it started with, through crash recovery too (the definition is the run's snapshot).
   */
  plugins?: Record<string, number>;
}

export interface ValidationResult {
  valid: boolean;
  errors: FlowIssue[];
  warnings: FlowIssue[];
  /** Present whenever `valid` is true. */
  flow?: FlowDefinition;
}

export interface ValidateOptions {
  /** Used when `metadata.name` is absent (e.g. the API passes the name beside the YAML). */
  name?: string;
  /**
   * Flow ids the account does not have: a `flow` trigger watching one gets an `unknown_flow`
   * warning (the flow may be created later, so it is not an error). The validator itself knows no
   * account; the service that saves the flow looks the ids up.
   */
  missingFlows?: ReadonlySet<string>;
  /**
   * Node types beyond the built-ins: an account's plugins (`<plugin>.<node>`). Without it, only
   * built-in types are known.
   */
  nodeTypes?: NodeTypeCatalog;
  /**
   * What a type shaped like a plugin's (`<plugin>.<node>`) that is not known becomes: an
   * `unknown_node_type` error (the default), or an `unchecked_plugin_type` warning where the
   * account's plugins cannot be known (the offline CLI; reading a stored flow's metadata).
   */
  unknownPluginTypes?: "error" | "warn";
}

/** Node types the validator looks up besides the built-ins (built-ins win on a clash). */
export interface NodeTypeCatalog {
  /** Changes whenever what `get` answers changes (names and versions): part of the validation cache's key. */
  readonly key: string;
  /** Every type, for hints. */
  readonly types: readonly string[];
  get(type: string): NodeTypeSpec | undefined;
}
