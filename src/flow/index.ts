/**
 * The flow language: YAML flow documents, their validation and their JSON
 * Schema. Pure module (web-standard APIs only), shared by the API, the
 * engine and the CLI.
 */
export { validateFlow } from "./validate";
export { validateFlowMemo } from "./memo";
export { pluginOfType, RESERVED_PLUGIN_NAMES } from "./check-node";
export { parseResolvedParams, type ResolvedParamsResult } from "./resolved-params";
export { flowJsonSchema } from "./json-schema";
export { graphView, type FlowGraphView } from "./graph-view";
export { getNodeType, NODE_TYPES, UNIVERSAL_ACTIONS } from "./node-types";
export type { NodeTypeSpec, ParamProblem } from "./node-types";
export { cronError } from "./cron";
export { isTemplate } from "./primitives";
export { flowInputSchema, flowToolDescription, flowToolName, isMcpTool } from "./tool";
export { MAX_SOURCE_BYTES } from "./parse";
export { FLOW_ERROR_CODES, FLOW_WARNING_CODES } from "./types";
export type {
  BatchSpec,
  FlowDefinition,
  FlowIssue,
  FlowMetadata,
  NodeTypeCatalog,
  NodeDefinition,
  NodeHooks,
  RetryPolicy,
  ValidateOptions,
  ValidationResult,
} from "./types";
