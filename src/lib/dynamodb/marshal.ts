/** Plain JSON to DynamoDB attribute values and back. */
import type { JsonValue } from "../json";
import type { AttributeValue, Item } from "./client";

/** A value DynamoDB cannot hold as JSON (a non-finite number, undefined, a function...). */
export class MarshalError extends Error {
  override readonly name = "MarshalError";
}

export function marshal(value: JsonValue, path = "value"): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case "string":
      return { S: value };
    case "boolean":
      return { BOOL: value };
    case "number":
      if (!Number.isFinite(value)) throw new MarshalError(`${path} is not a finite number`);
      return { N: String(value) };
    case "object":
      if (Array.isArray(value)) return { L: value.map((v, i) => marshal(v, `${path}[${i}]`)) };
      return { M: marshalItem(value, path) };
    default:
      throw new MarshalError(`${path} is not JSON`);
  }
}

export function marshalItem(value: { [key: string]: JsonValue }, path = "item"): Item {
  const item: Item = {};
  // JSON has no undefined; a field holding it is left out, as JSON.stringify would.
  for (const [key, field] of Object.entries(value)) if (field !== undefined) item[key] = marshal(field, `${path}.${key}`);
  return item;
}

/**
 * A DynamoDB number as a JS number, unless that would change it: integers beyond 2^53 stay
 * text, so an id or a counter read back is never silently rounded.
 */
export function unmarshalNumber(text: string): number | string {
  const number = Number(text);
  if (!Number.isFinite(number)) return text;
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(number)) return text;
  return number;
}

export function unmarshal(value: AttributeValue): JsonValue {
  if ("S" in value) return value.S;
  if ("N" in value) return unmarshalNumber(value.N);
  if ("BOOL" in value) return value.BOOL;
  if ("NULL" in value) return null;
  if ("L" in value) return value.L.map(unmarshal);
  if ("M" in value) return unmarshalItem(value.M);
  if ("SS" in value) return [...value.SS];
  if ("NS" in value) return value.NS.map(unmarshalNumber);
  if ("BS" in value) return [...value.BS];
  // Binary comes as base64 text in the JSON API: handed on as that text.
  return value.B;
}

export function unmarshalItem(item: Item): { [key: string]: JsonValue } {
  const value: { [key: string]: JsonValue } = {};
  for (const [key, field] of Object.entries(item)) value[key] = unmarshal(field);
  return value;
}
