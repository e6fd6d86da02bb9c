/**
 * `validateFlow`: YAML text in, issues and the normalised flow out. Stages
 * run in order (text → top level → metadata → nodes → graph) and each
 * collects every problem it sees, so a save reports all mistakes at once.
 */
import type { z } from "zod";
import { checkNode, typeLookup, type TypeLookup } from "./check-node";
import { isRecord } from "../lib/json";
import type { CheckedNode } from "./check-node";
import { checkGraph } from "./graph";
import { IssueSink } from "./issues";
import { parseFlowSource } from "./parse";
import { SourceLocator } from "./positions";
import { durationSchema } from "./primitives";
import { metadataSchema, retentionSchema, TOP_LEVEL_KEYS } from "./schema";
import { didYouMean, kindOf } from "./suggest";
import type { FlowDefinition, FlowIssue, FlowMetadata, NodeDefinition, ValidateOptions, ValidationResult } from "./types";
import { checkSection, dotted, type MappedIssue } from "./zod-issues";
import { INPUT_BUDGET } from "../input-budget";
import { checkTriggers } from "./check-triggers";

const flowTimeoutSchema = durationSchema({ positive: true });

const METADATA_KEYS = Object.keys(metadataSchema.shape);

function checkTopLevel(doc: Record<string, unknown>, sink: IssueSink): void {
  for (const key of Object.keys(doc)) {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    const hint = METADATA_KEYS.includes(key)
      ? ` ('${key}' belongs under metadata)`
      : didYouMean(key, TOP_LEVEL_KEYS) || ` (top-level keys are: ${TOP_LEVEL_KEYS.join(", ")})`;
    sink.error("unknown_key", `unknown top-level key '${key}'${hint}`, [key], "key");
  }
}

function checkMetadata(raw: unknown, options: ValidateOptions, locator: SourceLocator, sink: IssueSink): FlowMetadata | undefined {
  const fallbackName = options.name?.trim() ? options.name : undefined;
  if (raw === undefined || raw === null) raw = {};
  if (!isRecord(raw)) {
    sink.error("invalid_metadata", `metadata must be a mapping, got ${kindOf(raw)}`, ["metadata"]);
    return undefined;
  }
  const candidate = raw.name === undefined && fallbackName !== undefined ? { ...raw, name: fallbackName } : raw;
  const issues = checkSection(metadataSchema, candidate, {
    codes: { unknownKey: "invalid_metadata", missing: "invalid_metadata", invalid: "invalid_metadata" },
    base: ["metadata"],
    unknown: (path, key) => `unknown key '${key}' in metadata.${dotted(path)}`,
    missing: (path) => `metadata.${dotted(path)} is required`,
    invalid: (path, detail) => `metadata.${dotted(path)}: ${detail}`,
    rule: (detail) => `metadata: ${detail}`,
  });
  for (const issue of issues) {
    if (issue.path[1] === "name") {
      const message =
        candidate.name === undefined
          ? "flow name is required: set metadata.name"
          : `flow name must be a non-empty string (${issue.message})`;
      sink.error("missing_name", message, issue.path, "key");
    } else {
      sink.error(issue.code, issue.message, issue.path, issue.anchor);
    }
  }
  if (issues.length > 0) return undefined;
  const metadata = { ...candidate } as FlowMetadata;
  if (typeof candidate.version === "number") {
    // `version: 1.0` is the number 1 to YAML; keep what the author wrote.
    metadata.version = locator.sourceText(["metadata", "version"]) ?? String(candidate.version);
  }
  return metadata;
}

function checkNodes(raw: unknown, sink: IssueSink, types: TypeLookup): { ids: Set<string>; nodes: Map<string, CheckedNode> } {
  const ids = new Set<string>();
  const nodes = new Map<string, CheckedNode>();
  const count = isRecord(raw) ? Object.keys(raw).length : 0;
  if (count > INPUT_BUDGET.nodes) {
    // Checked before any node is: each check costs, and so does every issue a broken node adds.
    sink.overLimit("nodes", `the flow has ${count} nodes; the limit is ${INPUT_BUDGET.nodes}`, ["nodes"], "key");
    return { ids, nodes };
  }
  if (!isRecord(raw) || count === 0) {
    const message =
      raw === undefined || raw === null || isRecord(raw)
        ? "flow must have at least one node (add nodes: {<id>: {type: ...}})"
        : `nodes must be a mapping of node id to node, got ${kindOf(raw)}`;
    sink.error("no_nodes", message, ["nodes"], "key");
    return { ids, nodes };
  }
  let edges = 0;
  for (const [id, value] of Object.entries(raw)) {
    ids.add(id);
    if (id.length > INPUT_BUDGET.idLength) {
      sink.overLimit("idLength", `node id is ${id.length} characters long; the limit is ${INPUT_BUDGET.idLength}`, ["nodes", id], "key");
      continue;
    }
    const checked = checkNode(id, value, sink, types);
    if (!checked) continue;
    nodes.set(id, checked);
    edges += checked.edges.length;
    if (edges > INPUT_BUDGET.edges) {
      // The graph rules run per edge; stop before they do.
      sink.overLimit(
        "edges",
        `the flow has more than ${INPUT_BUDGET.edges} edges (counting every target of every next)`,
        ["nodes", id, "next"],
        "key",
      );
      nodes.clear();
      break;
    }
  }
  return { ids, nodes };
}

function validate(source: string, options: ValidateOptions): ValidationResult {
  const parsed = parseFlowSource(source);
  if (!parsed.ok) return { valid: false, errors: parsed.errors, warnings: parsed.warnings };
  const { doc, lineCounter, aliases, value } = parsed.parsed;
  const locator = new SourceLocator(doc, lineCounter, aliases);
  const sink = new IssueSink(locator);
  sink.addWarnings(parsed.warnings);

  if (!isRecord(value)) {
    const message =
      value === null || value === undefined
        ? "the flow is empty: expected a mapping with metadata and nodes"
        : `a flow must be a YAML mapping with metadata and nodes, got ${kindOf(value)}`;
    sink.error("yaml_syntax", message, []);
    return { valid: false, ...sink.result() };
  }

  checkTopLevel(value, sink);
  const metadata = checkMetadata(value.metadata, options, locator, sink);
  const graph = checkNodes(value.nodes, sink, typeLookup(options));
  if (value.timeout !== undefined) sink.errors(checkDurationKey(flowTimeoutSchema, value.timeout, "timeout", "flow timeout"));
  if (value.retention !== undefined) sink.errors(checkDurationKey(retentionSchema, value.retention, "retention", "retention"));
  const start = graph.nodes.size > 0 ? checkGraph(graph, value.start, sink) : undefined;
  const triggers = value.triggers === undefined ? [] : checkTriggers(value.triggers, sink, options.missingFlows);

  const { errors, warnings } = sink.result();
  if (errors.length > 0 || metadata === undefined || start === undefined) return { valid: false, errors, warnings };
  const nodes: Record<string, NodeDefinition> = {};
  for (const [id, node] of graph.nodes) nodes[id] = node.definition;
  const flow: FlowDefinition = { metadata, start, nodes };
  if (value.timeout !== undefined) flow.timeout = String(value.timeout);
  if (value.retention !== undefined) flow.retention = String(value.retention);
  if (triggers.length > 0) flow.triggers = triggers;
  return { valid: true, errors, warnings, flow };
}

/** A top-level duration (`timeout`, `retention`): every problem is `invalid_duration`, worded with `label`. */
function checkDurationKey(schema: z.ZodType, raw: unknown, key: string, label: string): MappedIssue[] {
  return checkSection(schema, raw, {
    codes: { unknownKey: "invalid_duration", missing: "invalid_duration", invalid: "invalid_duration" },
    base: [key],
    unknown: (_path, name) => `unknown key '${name}' in ${key}`,
    missing: () => `${key} is required`,
    invalid: (_path, detail) => `${label}: ${detail}`,
    rule: (detail) => `${label}: ${detail}`,
  });
}

function failure(code: string, message: string): ValidationResult {
  const issue: FlowIssue = { code, message, path: [], line: 1, column: 1 };
  return { valid: false, errors: [issue], warnings: [] };
}

/**
 * Parse and validate YAML source. `options.name` supplies a name when
 * metadata.name is absent (API callers may pass one). Never throws for any
 * input string.
 */
export function validateFlow(source: string, options: ValidateOptions = {}): ValidationResult {
  if (typeof source !== "string") return failure("yaml_syntax", `flow source must be a string, got ${kindOf(source)}`);
  try {
    return validate(source, options ?? {});
  } catch (error) {
    // Only reachable through a bug or an exhausted stack; the caller still gets a result, not a 500.
    const detail = error instanceof Error ? error.message : String(error);
    return failure("internal_error", `the flow could not be validated: ${detail}`);
  }
}
