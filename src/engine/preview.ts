import type { JsonValue } from "../lib/json";

export const PREVIEW_BYTES = 1024;

/**
 * A value small enough for events and lists: itself when its JSON is short,
 * else a marker with the start of the JSON. Full values stay in step records.
 */
export function preview(value: JsonValue, limit = PREVIEW_BYTES): JsonValue {
  const json = JSON.stringify(value) ?? "null";
  if (json.length <= limit) return value;
  return { truncated: true, size: json.length, preview: json.slice(0, limit) };
}
