/**
 * Checks one node and builds its normalised definition. Every part is
 * checked even when an earlier part is wrong, so one save shows every
 * problem of the node.
 */
import { getNodeType, LEGACY_TYPE_HINTS, NODE_TYPES } from "./node-types";
import type { NodeTypeSpec } from "./node-types";
import { BATCH_STRATEGY_ALIASES, batchSchema, hooksSchema, NODE_KEYS, nodeTimeoutSchema, retrySchema } from "./schema";
import type { IssueSink } from "./issues";
import type { PathSegment } from "./positions";
import { closest, didYouMean, kindOf } from "./suggest";
import type { BatchSpec, NodeDefinition, NodeHooks, RetryPolicy, ValidateOptions } from "./types";
import { checkSection, dotted } from "./zod-issues";
import type { Section } from "./zod-issues";
import { parseDuration } from "../lib/duration";
import { INPUT_BUDGET } from "../input-budget";
import { isRecord } from "../lib/json";

/** One edge as written, with where it is written. */
export interface Edge {
  action: string;
  target: string;
  path: PathSegment[];
}

export interface CheckedNode {
  id: string;
  definition: NodeDefinition;
  spec: NodeTypeSpec | undefined;
  edges: Edge[];
}

const PLUGIN_TYPE = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$/;

/** Built-in types and their prefixes (`transform`, `http`, `email`): no plugin may take them. */
export const RESERVED_PLUGIN_NAMES: ReadonlySet<string> = new Set(NODE_TYPES.flatMap((t) => [t, t.split(".")[0]!]));

/** The plugin a type written `<plugin>.<node>` belongs to; undefined for other types and built-in prefixes. */
export function pluginOfType(type: string): string | undefined {
  const plugin = PLUGIN_TYPE.exec(type)?.[1];
  return plugin === undefined || RESERVED_PLUGIN_NAMES.has(plugin) ? undefined : plugin;
}

/** How node types are looked up during one validation: built-ins first, then the catalog given. */
export interface TypeLookup {
  get(type: string): NodeTypeSpec | undefined;
  /** Every known type, for hints. */
  names: readonly string[];
  unknownPlugins: "error" | "warn";
}

export function typeLookup(options: ValidateOptions): TypeLookup {
  const catalog = options.nodeTypes;
  return {
    get: catalog ? (type) => getNodeType(type) ?? catalog.get(type) : getNodeType,
    names: catalog ? [...NODE_TYPES, ...catalog.types] : NODE_TYPES,
    unknownPlugins: options.unknownPluginTypes ?? "error",
  };
}

export function paramsSection(id: string, type: string): Section {
  return {
    codes: { unknownKey: "unknown_param", missing: "missing_param", invalid: "invalid_param" },
    base: ["nodes", id, "params"],
    unknown: (path, key, hint) => `node '${id}' (${type}) has unknown param '${dotted([...path, key])}'${hint}`,
    missing: (path) => `node '${id}' (${type}) is missing required param '${dotted(path)}'`,
    invalid: (path, detail) => `node '${id}' param '${dotted(path)}': ${detail}`,
    rule: (detail) => `node '${id}' (${type}): ${detail}`,
  };
}

function settingSection(id: string, key: string, code: string): Section {
  return {
    codes: { unknownKey: code, missing: code, invalid: code },
    base: ["nodes", id, key],
    unknown: (path, name, hint) => `node '${id}' ${dotted([key, ...path])} has unknown key '${name}'${hint}`,
    missing: (path) => `node '${id}' ${key} needs '${dotted(path)}'`,
    invalid: (path, detail) => `node '${id}' ${dotted([key, ...path])}: ${detail}`,
    rule: (detail) => `node '${id}' ${key}: ${detail}`,
  };
}

function checkType(id: string, raw: Record<string, unknown>, sink: IssueSink, types: TypeLookup): string | undefined {
  const path = ["nodes", id];
  if (raw.type === undefined || raw.type === null) {
    sink.error("invalid_node", `node '${id}' has no type (one of: ${NODE_TYPES.join(", ")})`, path, "key");
    return undefined;
  }
  if (typeof raw.type !== "string") {
    sink.error("invalid_node", `node '${id}' type must be a string, got ${kindOf(raw.type)}`, [...path, "type"]);
    return undefined;
  }
  if (!types.get(raw.type)) {
    const plugin = pluginOfType(raw.type);
    if (plugin !== undefined && types.unknownPlugins === "warn") {
      const message = `node '${id}' has type '${raw.type}', a node type of plugin '${plugin}' that cannot be checked here`;
      sink.warn("unchecked_plugin_type", message, [...path, "type"]);
      return raw.type;
    }
    const hint = LEGACY_TYPE_HINTS[raw.type];
    const suggestion = closest(raw.type, types.names);
    const tail = hint ?? (suggestion ? `did you mean '${suggestion}'?` : `available types: ${types.names.join(", ")}`);
    const absent = plugin !== undefined && !types.names.some((t) => t.startsWith(`${plugin}.`));
    const note = absent ? `; no plugin '${plugin}' is available to this account` : "";
    sink.error("unknown_node_type", `unknown node type '${raw.type}' in node '${id}' (${tail}${note})`, [...path, "type"]);
  }
  return raw.type;
}

function checkParams(id: string, spec: NodeTypeSpec | undefined, raw: unknown, sink: IssueSink): Record<string, unknown> {
  if (raw === undefined || raw === null) raw = {};
  if (!isRecord(raw)) {
    sink.error("invalid_node", `node '${id}' params must be a mapping, got ${kindOf(raw)}`, ["nodes", id, "params"]);
    return {};
  }
  if (spec) {
    const section = paramsSection(id, spec.type);
    sink.errors(checkSection(spec.params, raw, section));
    // The schema runs cross-param rules only when every param is well typed; run them regardless.
    for (const problem of spec.crossCheck?.(raw) ?? []) {
      const code = problem.missing ? "missing_param" : "invalid_param";
      sink.error(code, section.rule(problem.message), [...section.base, ...problem.path], problem.missing ? "key" : "value");
    }
  }
  return raw;
}

function checkNext(id: string, raw: unknown, sink: IssueSink): Edge[] {
  if (raw === undefined || raw === null) return [];
  const path = ["nodes", id, "next"];
  if (!isRecord(raw)) {
    const message = `node '${id}' next must be a mapping of action to node id, e.g. next: {default: other_node}, got ${kindOf(raw)}`;
    sink.error("invalid_node", message, path);
    return [];
  }
  const edges: Edge[] = [];
  for (const [action, value] of Object.entries(raw)) {
    const targets = Array.isArray(value) ? value : [value];
    if (targets.length === 0) sink.error("invalid_node", `node '${id}' edge '${action}' has an empty list of targets`, [...path, action]);
    targets.forEach((target, index) => {
      const targetPath = Array.isArray(value) ? [...path, action, index] : [...path, action];
      if (typeof target === "string" && target.length > INPUT_BUDGET.idLength) {
        sink.overLimit(
          "idLength",
          `node '${id}' edge '${action}' names a node id of ${target.length} characters; the limit is ${INPUT_BUDGET.idLength}`,
          targetPath,
        );
      } else if ((typeof target === "string" && target !== "") || typeof target === "number") {
        edges.push({ action, target: String(target), path: targetPath });
      } else {
        const message = `node '${id}' edge '${action}' must name a node id or a list of node ids, got ${kindOf(target)}`;
        sink.error("invalid_node", message, targetPath);
      }
    });
  }
  return edges;
}

/** Runs a setting's schema; the value is only used when it passed. */
function checkSetting(
  id: string,
  key: string,
  code: string,
  schema: Parameters<typeof checkSection>[0],
  raw: unknown,
  sink: IssueSink,
): boolean {
  const issues = checkSection(schema, raw, settingSection(id, key, code));
  sink.errors(issues);
  return issues.length === 0;
}

const asDuration = (value: unknown): string | undefined => (value === undefined ? undefined : String(value));

function normaliseRetry(id: string, raw: Record<string, unknown>, sink: IssueSink): RetryPolicy {
  const wait = typeof raw.wait === "string" || typeof raw.wait === "number" ? parseDuration(raw.wait) : undefined;
  const maxWait = typeof raw.max_wait === "string" || typeof raw.max_wait === "number" ? parseDuration(raw.max_wait) : undefined;
  if (wait !== undefined && maxWait !== undefined && maxWait < wait) {
    sink.error("invalid_retry", `node '${id}' retry.max_wait (${String(raw.max_wait)}) is shorter than retry.wait (${String(raw.wait)})`, [
      "nodes",
      id,
      "retry",
      "max_wait",
    ]);
  }
  const policy: RetryPolicy = { max_retries: raw.max_retries as number };
  if (raw.wait !== undefined) policy.wait = asDuration(raw.wait);
  if (raw.backoff !== undefined) policy.backoff = raw.backoff as RetryPolicy["backoff"];
  if (raw.max_wait !== undefined) policy.max_wait = asDuration(raw.max_wait);
  return policy;
}

function normaliseBatch(raw: Record<string, unknown>): BatchSpec {
  const batch: BatchSpec = {};
  if (raw.items !== undefined) batch.items = raw.items;
  if (typeof raw.strategy === "string") batch.strategy = BATCH_STRATEGY_ALIASES[raw.strategy];
  if (raw.max_parallel !== undefined) batch.max_parallel = raw.max_parallel as number;
  return batch;
}

export function checkNode(id: string, raw: unknown, sink: IssueSink, types: TypeLookup): CheckedNode | undefined {
  const path = ["nodes", id];
  if (!isRecord(raw)) {
    sink.error("invalid_node", `node '${id}' must be a mapping with at least a type, got ${kindOf(raw)}`, path, "key");
    return undefined;
  }
  if (id.trim() === "") sink.error("invalid_node", "node ids must not be empty", path, "key");
  const type = checkType(id, raw, sink, types);
  const spec = type === undefined ? undefined : types.get(type);
  for (const key of Object.keys(raw)) {
    if ((NODE_KEYS as readonly string[]).includes(key)) continue;
    const hint = spec?.paramNames.includes(key)
      ? ` ('${key}' is a param of ${spec.type}: put it under params)`
      : didYouMean(key, NODE_KEYS) || ` (node keys are: ${NODE_KEYS.join(", ")})`;
    sink.error("unknown_key", `node '${id}' has unknown key '${key}'${hint}`, [...path, key], "key");
  }

  const definition: NodeDefinition = { type: type ?? "", params: checkParams(id, spec, raw.params, sink), next: {} };
  const edges = checkNext(id, raw.next, sink);
  // Own properties only: an action may be named like an Object.prototype member ("valueOf").
  for (const edge of edges) {
    if (!Object.hasOwn(definition.next, edge.action)) definition.next[edge.action] = [];
    definition.next[edge.action]!.push(edge.target);
  }

  if (raw.retry !== undefined && checkSetting(id, "retry", "invalid_retry", retrySchema, raw.retry, sink)) {
    definition.retry = normaliseRetry(id, raw.retry as Record<string, unknown>, sink);
  }
  if (raw.timeout !== undefined && checkSetting(id, "timeout", "invalid_duration", nodeTimeoutSchema, raw.timeout, sink)) {
    definition.timeout = asDuration(raw.timeout);
  }
  if (raw.batch !== undefined && checkSetting(id, "batch", "invalid_batch", batchSchema, raw.batch, sink)) {
    definition.batch = normaliseBatch(raw.batch as Record<string, unknown>);
  }
  if (raw.hooks !== undefined && checkSetting(id, "hooks", "invalid_node", hooksSchema, raw.hooks, sink)) {
    definition.hooks = { ...(raw.hooks as NodeHooks) };
  }
  // A hooks.exec script replaces what the node does, so such a node runs whatever its type.
  if (spec?.notRunnable !== undefined && definition.hooks?.exec === undefined) {
    sink.warn("node_not_runnable", `node '${id}' has type '${spec.type}', which this server cannot run: ${spec.notRunnable}`, [
      ...path,
      "type",
    ]);
  }
  return { id, definition, spec, edges };
}
