/**
 * Driver results as JSON. Exact types stay exact: `bigint`/`int8` and `numeric` come back as strings
 * (a JSON number would round them), smaller integers and floats as numbers, json/jsonb parsed,
 * timestamps as ISO 8601 strings, `date` as `YYYY-MM-DD`, bytea as `\x`-hex text, arrays as lists.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";

/** The slice of a driver result this module reads (pg's QueryResult, and Neon HTTP's full results). */
export interface DriverResult {
  command?: string | null;
  rowCount?: number | null;
  rows: unknown[];
  fields?: readonly { name: string; dataTypeID: number }[];
}

/** What a step may return at most, as JSON: a step record holds the whole output. */
export const MAX_RESULT_BYTES = 4 * 1024 * 1024;

const DATE_OID = 1082;

/** Type parsers: `date` kept as text, so no time zone shifts a calendar day. */
export const typeOverrides = (defaults: (oid: number, format?: string) => unknown) => ({
  getTypeParser: (oid: number, format?: string) => (oid === DATE_OID ? (text: string) => text : defaults(oid, format)),
});

const TYPE_NAMES: Record<number, string> = {
  16: "bool",
  17: "bytea",
  20: "int8",
  21: "int2",
  23: "int4",
  25: "text",
  114: "json",
  700: "float4",
  701: "float8",
  1000: "bool[]",
  1005: "int2[]",
  1007: "int4[]",
  1016: "int8[]",
  1009: "text[]",
  1015: "varchar[]",
  1042: "bpchar",
  1043: "varchar",
  1082: "date",
  1083: "time",
  1114: "timestamp",
  1184: "timestamptz",
  1186: "interval",
  1231: "numeric[]",
  1700: "numeric",
  2950: "uuid",
  3802: "jsonb",
  3807: "jsonb[]",
};

export const typeName = (oid: number): string => TYPE_NAMES[oid] ?? `oid:${oid}`;

/** One driver value as JSON. */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${[...value].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJson(item);
    return out;
  }
  return String(value);
}

/** Commands whose result is the rows they return, even when there are none. */
const ROW_COMMANDS = new Set(["SELECT", "SHOW", "VALUES", "FETCH", "EXPLAIN", "TABLE"]);

/**
 * `{rows, row_count, fields}` for a statement that returns rows (a SELECT, or a write with
 * RETURNING), else `{rows_affected}`. Fails with `too_many_rows` over `maxRows`.
 */
export function statementOutput(result: DriverResult, maxRows: number): JsonValue {
  const fields = result.fields ?? [];
  const returnsRows = fields.length > 0 || ROW_COMMANDS.has((result.command ?? "").toUpperCase());
  if (!returnsRows) return { rows_affected: result.rowCount ?? 0 };
  if (result.rows.length > maxRows) {
    throw new NodeError(
      "too_many_rows",
      `The statement returned ${result.rows.length} rows, more than max_rows (${maxRows}): add a LIMIT or raise max_rows`,
      { row_count: result.rows.length, max_rows: maxRows },
      false,
    );
  }
  return {
    rows: result.rows.map((row) => toJson(row)),
    row_count: result.rows.length,
    fields: fields.map((field) => ({ name: field.name, type: typeName(field.dataTypeID) })),
  };
}

/** Fails with `result_too_large` when the output would not fit a step record. */
export function checkSize(output: JsonValue): JsonValue {
  const bytes = new TextEncoder().encode(JSON.stringify(output)).byteLength;
  if (bytes > MAX_RESULT_BYTES) {
    throw new NodeError(
      "result_too_large",
      `The result is ${bytes} bytes as JSON, more than ${MAX_RESULT_BYTES}: select fewer rows or columns`,
      { bytes, max_bytes: MAX_RESULT_BYTES },
      false,
    );
  }
  return output;
}
