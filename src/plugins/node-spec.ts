/**
 * A plugin node type as the flow language sees it: a NodeTypeSpec built from the manifest, so
 * validation (with line and column), the editor schema and the node lifecycle treat it like a
 * built-in. Params are checked against the manifest's JSON Schema with @cfworker/json-schema (no
 * code generation, which Workers forbid): at save time values written as `${...}` templates are
 * skipped (their value is only known at run time), at run time everything is checked.
 */
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { z } from "zod";
import type { NodeTypeSpec } from "../flow/node-types";
import { FLOW_CODE, isTemplate } from "../flow/primitives";
import { isRecord } from "../lib/json";
import type { PluginManifest, PluginNodeManifest } from "./contract";

export type PluginParams = Record<string, unknown>;

/** Keywords whose error only says that a child failed; the child's own error is the one to show. */
const AGGREGATES = new Set([
  "properties",
  "additionalProperties",
  "patternProperties",
  "items",
  "prefixItems",
  "allOf",
  "unevaluatedProperties",
  "unevaluatedItems",
  "contains",
  "dependentSchemas",
  "$ref",
]);

/** At most this many problems per node are reported. */
const MAX_PROBLEMS = 20;

function pointerPath(location: string): (string | number)[] {
  if (location === "#" || location === "") return [];
  return location
    .replace(/^#\//, "")
    .split("/")
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Whether the value at `path`, or any value on the way to it, is a template (known only at run time). */
function underTemplate(value: unknown, path: readonly (string | number)[]): boolean {
  let current = value;
  for (const segment of path) {
    if (isTemplate(current)) return true;
    if (!isRecord(current) && !Array.isArray(current)) return false;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return isTemplate(current);
}

function paramsSchema(validator: Validator, allowTemplates: boolean): z.ZodType<PluginParams> {
  return z.record(z.string(), z.unknown()).superRefine((params, ctx) => {
    let reported = 0;
    for (const unit of validator.validate(params).errors as OutputUnit[]) {
      if (reported >= MAX_PROBLEMS) break;
      if (AGGREGATES.has(unit.keyword)) continue;
      const path = pointerPath(unit.instanceLocation);
      if (allowTemplates && underTemplate(params, path)) continue;
      reported++;
      if (unit.keyword === "required") {
        const property = /"([^"]*)"/.exec(unit.error)?.[1];
        const where = property === undefined ? path : [...path, property];
        ctx.addIssue({ code: "custom", message: `missing required param '${where.join(".")}'`, path: where, params: { missing: true } });
      } else if (unit.keyword === "false") {
        ctx.addIssue({ code: "custom", message: `unknown param '${path.join(".")}'`, path, params: { [FLOW_CODE]: "unknown_param" } });
      } else {
        ctx.addIssue({ code: "custom", message: unit.error, path, params: { [FLOW_CODE]: "invalid_param" } });
      }
    }
  });
}

/** The NodeTypeSpec of `<plugin>.<node>`; throws when the manifest's JSON Schema cannot be compiled. */
export function pluginNodeSpec(plugin: string, node: string, manifest: PluginNodeManifest): NodeTypeSpec<PluginParams> {
  const validator = new Validator(manifest.params as Schema, "2020-12", false);
  const properties = isRecord(manifest.params.properties) ? Object.keys(manifest.params.properties) : [];
  return {
    type: `${plugin}.${node}`,
    description: manifest.description,
    params: paramsSchema(validator, true),
    resolved: paramsSchema(validator, false),
    paramNames: properties,
    actions: manifest.actions,
    dynamicActions: false,
    scriptParams: [],
  };
}

/** Every node type of a plugin, by full type name. */
export function pluginNodeSpecs(manifest: PluginManifest): Map<string, NodeTypeSpec<PluginParams>> {
  const specs = new Map<string, NodeTypeSpec<PluginParams>>();
  for (const [node, declared] of Object.entries(manifest.nodes))
    specs.set(`${manifest.name}.${node}`, pluginNodeSpec(manifest.name, node, declared));
  return specs;
}

/** Problems with a manifest's param schemas (a schema @cfworker/json-schema cannot use), as messages. */
export function manifestSchemaProblems(manifest: PluginManifest): string[] {
  const problems: string[] = [];
  for (const [node, declared] of Object.entries(manifest.nodes)) {
    if (declared.params.type !== undefined && declared.params.type !== "object") {
      problems.push(`nodes.${node}.params must be an object schema (type: object)`);
      continue;
    }
    try {
      new Validator(declared.params as Schema, "2020-12", false).validate({});
    } catch (error) {
      problems.push(`nodes.${node}.params is not a usable JSON Schema: ${(error as Error).message}`);
    }
  }
  return problems;
}
