/**
 * The plugins an account can use at one moment (its stored ones at their newest version, and the
 * operator's service-binding ones it may use), as the flow validator's catalog of node types, and
 * the versions a run of a flow pins.
 */
import {
  pluginOfType,
  validateFlowMemo,
  type FlowDefinition,
  type NodeTypeCatalog,
  type NodeTypeSpec,
  type ValidationResult,
} from "../flow";
import type { PluginVersionRecord } from "../storage/types";
import type { PluginKind, PluginManifest } from "./contract";
import { pluginNodeSpec } from "./node-spec";
import type { ServicePluginBinding } from "./service";

/** A plugin as a run uses it. Service plugins have version 0: the operator deploys them. */
export type AvailablePlugin =
  | { kind: "js" | "http"; name: string; version: number; manifest: PluginManifest; record: PluginVersionRecord }
  | { kind: "service"; name: string; version: 0; manifest: PluginManifest; service: ServicePluginBinding };

/** The version number runs of a service-binding plugin record. */
export const SERVICE_VERSION = 0;

export class PluginCatalog implements NodeTypeCatalog {
  readonly key: string;
  readonly types: readonly string[];
  private readonly byName: ReadonlyMap<string, AvailablePlugin>;
  private readonly specs = new Map<string, NodeTypeSpec | null>();

  constructor(plugins: readonly AvailablePlugin[]) {
    this.byName = new Map(plugins.map((p) => [p.name, p]));
    this.key = plugins.map((p) => `${p.name}@${p.kind === "service" ? `service:${p.manifest.version}` : p.version}`).join(",");
    this.types = plugins.flatMap((p) => Object.keys(p.manifest.nodes).map((node) => `${p.name}.${node}`));
  }

  plugins(): AvailablePlugin[] {
    return [...this.byName.values()];
  }

  plugin(name: string): AvailablePlugin | undefined {
    return this.byName.get(name);
  }

  get(type: string): NodeTypeSpec | undefined {
    const cached = this.specs.get(type);
    if (cached !== undefined) return cached ?? undefined;
    const name = pluginOfType(type);
    const plugin = name === undefined ? undefined : this.byName.get(name);
    const node = plugin?.manifest.nodes[type.slice(type.indexOf(".") + 1)];
    let spec: NodeTypeSpec | null = null;
    if (plugin && node) {
      try {
        spec = pluginNodeSpec(plugin.name, type.slice(type.indexOf(".") + 1), node) as NodeTypeSpec;
      } catch {
        // A schema that cannot compile was refused at save; a service plugin's is its operator's to fix.
        spec = null;
      }
    }
    this.specs.set(type, spec);
    return spec ?? undefined;
  }

  /** The versions of the plugins `flow` uses, to pin a run to. */
  pinsFor(flow: FlowDefinition): Record<string, number> {
    const pins: Record<string, number> = {};
    for (const node of Object.values(flow.nodes)) {
      const name = pluginOfType(node.type);
      const plugin = name === undefined ? undefined : this.byName.get(name);
      if (plugin) pins[plugin.name] = plugin.version;
    }
    return pins;
  }
}

/**
 * Whether a result of validation with `unknownPluginTypes: "warn"` met plugin types it could not
 * check: the flow must be validated again with the account's plugins.
 */
export const hasPluginTypes = (result: Pick<ValidationResult, "warnings">): boolean =>
  result.warnings.some((w) => w.code === "unchecked_plugin_type");

/** The names of the plugins a flow's node types belong to. */
export function pluginsUsedBy(flow: Pick<FlowDefinition, "nodes">): string[] {
  const names = new Set<string>();
  for (const node of Object.values(flow.nodes)) {
    const name = pluginOfType(node.type);
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/**
 * The plugins a stored flow's YAML uses. A version that no longer validates is read for its
 * `type:` values, so a broken flow still counts as a user of the plugins it names.
 */
export function pluginsUsedBySource(content: string, name: string): string[] {
  const parsed = validateFlowMemo(content, { name, unknownPluginTypes: "warn" });
  if (parsed.flow) return pluginsUsedBy(parsed.flow);
  const names = new Set<string>();
  for (const match of content.matchAll(/\btype:\s*["']?([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)/g)) {
    const plugin = pluginOfType(match[1]!);
    if (plugin !== undefined) names.add(plugin);
  }
  return [...names];
}

export type { PluginKind };
