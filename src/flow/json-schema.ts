/**
 * JSON Schema (draft 2020-12) of the whole language, generated from the zod
 * schemas. Each node type's params are a `$defs` entry selected by an
 * `if: {type: const} / then: {params: $ref}` pair, which is what lets
 * yaml-language-server complete and check params per node type.
 */
import { z } from "zod";
import { getNodeType, NODE_TYPES } from "./node-types";
import { flowDocumentSchema } from "./schema";

type JsonObject = Record<string, unknown>;

const OPTIONS = { target: "draft-2020-12", io: "input", unrepresentable: "any", reused: "inline" } as const;

function toJson(schema: z.ZodType): JsonObject {
  const json = z.toJSONSchema(schema, OPTIONS) as JsonObject;
  delete json.$schema;
  return json;
}

function child(object: JsonObject, key: string): JsonObject {
  const value = object[key];
  if (typeof value !== "object" || value === null) throw new Error(`JSON Schema has no '${key}'`);
  return value as JsonObject;
}

/** A node type declared by a JSON Schema of its params rather than zod (an account's plugin). */
export interface ExtraNodeType {
  type: string;
  description: string;
  params: JsonObject;
}

function build(extra: readonly ExtraNodeType[]): JsonObject {
  const root = z.toJSONSchema(flowDocumentSchema([...NODE_TYPES, ...extra.map((t) => t.type)]), OPTIONS) as JsonObject;
  const nodes = child(child(root, "properties"), "nodes");
  const node = child(nodes, "additionalProperties");
  const defs: JsonObject = { node };
  nodes.additionalProperties = { $ref: "#/$defs/node" };

  node.allOf = NODE_TYPES.map((type) => {
    const spec = getNodeType(type)!;
    const params = toJson(spec.params);
    params.description = spec.description;
    defs[`params.${type}`] = params;
    const required = Array.isArray(params.required) && params.required.length > 0;
    return {
      if: { properties: { type: { const: type } }, required: ["type"] },
      then: { properties: { params: { $ref: `#/$defs/params.${type}` } }, ...(required ? { required: ["params"] } : {}) },
    };
  });
  for (const { type, description, params } of extra) {
    // A plugin's own schema, as its author wrote it: values may also be `${...}` templates at run time.
    defs[`params.${type}`] = { ...params, description };
    const required = Array.isArray(params.required) && params.required.length > 0;
    (node.allOf as JsonObject[]).push({
      if: { properties: { type: { const: type } }, required: ["type"] },
      then: { properties: { params: { $ref: `#/$defs/params.${type}` } }, ...(required ? { required: ["params"] } : {}) },
    });
  }
  return { $schema: root.$schema, title: "FlowRunner flow", ...root, $defs: defs };
}

let cached: string | undefined;

/** JSON Schema (draft 2020-12) of a flow document, with `extra` node types (an account's plugins). A fresh object on every call. */
export function flowJsonSchema(extra: readonly ExtraNodeType[] = []): object {
  if (extra.length > 0) return build(extra);
  cached ??= JSON.stringify(build([]));
  return JSON.parse(cached) as object;
}
