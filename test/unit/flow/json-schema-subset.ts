/**
 * A small JSON Schema evaluator for the keywords flowJsonSchema() uses, so
 * tests can check the published schema against real flows without another
 * dependency. Unknown keywords throw: a schema change that uses one must
 * extend this file rather than be silently ignored.
 */
export type JsonObject = Record<string, unknown>;
type Schema = boolean | JsonObject;

const ANNOTATIONS = new Set(["$schema", "$defs", "title", "description", "default", "examples", "deprecated", "format"]);
const ASSERTIONS = new Set([
  "$ref",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "anyOf",
  "oneOf",
  "allOf",
  "if",
  "then",
  "else",
]);

function typeOf(value: unknown): string[] {
  if (value === null) return ["null"];
  if (Array.isArray(value)) return ["array"];
  if (typeof value === "number") return Number.isInteger(value) ? ["number", "integer"] : ["number"];
  return [typeof value];
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** Follows "#/a/b" from the root. */
export function resolve(root: JsonObject, ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((node, part) => (isObject(node) ? node[part] : undefined), root);
}

export function matches(root: JsonObject, schema: Schema, value: unknown): boolean {
  if (typeof schema === "boolean") return schema;
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !ASSERTIONS.has(key)) throw new Error(`json-schema-subset: unsupported keyword '${key}'`);
  }
  const sub = (child: unknown, v: unknown) => matches(root, child as Schema, v);
  const num = (key: string) => (typeof schema[key] === "number" ? (schema[key] as number) : undefined);
  const list = (key: string) => (Array.isArray(schema[key]) ? (schema[key] as unknown[]) : undefined);

  if (typeof schema.$ref === "string" && !sub(resolve(root, schema.$ref), value)) return false;
  if (schema.type !== undefined) {
    const allowed = list("type") ?? [schema.type];
    if (!typeOf(value).some((t) => allowed.includes(t))) return false;
  }
  if (list("enum") && !list("enum")!.includes(value)) return false;
  if ("const" in schema && schema.const !== value) return false;
  if (typeof value === "string") {
    if (value.length < (num("minLength") ?? 0) || value.length > (num("maxLength") ?? Infinity)) return false;
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) return false;
  }
  if (typeof value === "number") {
    if (value < (num("minimum") ?? -Infinity) || value > (num("maximum") ?? Infinity)) return false;
    if (num("exclusiveMinimum") !== undefined && value <= num("exclusiveMinimum")!) return false;
    if (num("exclusiveMaximum") !== undefined && value >= num("exclusiveMaximum")!) return false;
  }
  if (Array.isArray(value)) {
    if (value.length < (num("minItems") ?? 0) || value.length > (num("maxItems") ?? Infinity)) return false;
    if (schema.items !== undefined && !value.every((item) => sub(schema.items, item))) return false;
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (!(list("required") ?? []).every((key) => typeof key === "string" && key in value)) return false;
    for (const [key, item] of Object.entries(value)) {
      if (schema.propertyNames !== undefined && !sub(schema.propertyNames, key)) return false;
      if (key in properties) {
        if (!sub(properties[key], item)) return false;
      } else if (schema.additionalProperties !== undefined && !sub(schema.additionalProperties, item)) {
        return false;
      }
    }
  }
  if (list("allOf") && !list("allOf")!.every((child) => sub(child, value))) return false;
  if (list("anyOf") && !list("anyOf")!.some((child) => sub(child, value))) return false;
  if (list("oneOf") && list("oneOf")!.filter((child) => sub(child, value)).length !== 1) return false;
  if (schema.if !== undefined) {
    const branch = sub(schema.if, value) ? schema.then : schema.else;
    if (branch !== undefined && !sub(branch, value)) return false;
  }
  return true;
}
