/**
 * `query` over a key-value store, the same for every provider: the provider hands over the live
 * entries of the prefix in key order (bounded by the scan limit), and this filters, sorts and pages.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";
import {
  compareUtf8,
  decodeCursor,
  encodeCursor,
  listLimit,
  type KeyValueFilter,
  type KeyValueQueryOptions,
  type KeyValueQueryPage,
} from "./kv";

export const FILTER_OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$contains"] as const;
type Operator = (typeof FILTER_OPERATORS)[number];
/** One test of a compiled filter: the field at `path` against `operand`. */
export type FilterCondition = { path: string[]; op: Operator; operand: JsonValue };

/** An entry as a provider reads it: the key and the value's JSON text. */
export interface RawEntry {
  key: string;
  json: string;
}

/** Where a query resumes: after a key (key order), or at an offset of the sorted matches. */
export type QueryPosition = { kind: "after"; key: string } | { kind: "offset"; offset: number } | { kind: "start" };

const invalidFilter = (message: string) => new NodeError("invalid_filter", message, null, false);
const invalidCursor = () => new NodeError("invalid_cursor", "The cursor does not come from this query", null, false);

/** The position a query's cursor names; sorted queries carry an offset, others a key. */
export function queryPosition(options: KeyValueQueryOptions): QueryPosition {
  const cursor = options.cursor;
  if (cursor === undefined) return { kind: "start" };
  const sorted = options.sort !== undefined;
  if (cursor.startsWith("o.")) {
    const offset = Number(cursor.slice(2));
    if (!sorted || !Number.isSafeInteger(offset) || offset < 0) throw invalidCursor();
    return { kind: "offset", offset };
  }
  if (sorted) throw invalidCursor();
  return { kind: "after", key: decodeCursor(cursor) };
}

/** Checks the filter and sort before any read, so a bad query fails the same on an empty store. */
export function compileQuery(options: KeyValueQueryOptions): FilterCondition[] {
  if (options.sort !== undefined && (options.sort === "" || options.sort === "-")) throw invalidFilter("sort needs a field name");
  return compileFilter(options.filter);
}

/**
 * A filter (`{field: value}` or `{field: {$op: value}}`, dotted paths) as the conditions every value must
 * meet; fails with `invalid_filter` on anything else. The one reading of the operators, shared by the
 * key-value store's query and the vector stores' metadata filters.
 */
export function compileFilter(given: KeyValueFilter | undefined): FilterCondition[] {
  const filter = given ?? {};
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) throw invalidFilter("filter must be a mapping");
  const conditions: FilterCondition[] = [];
  for (const [field, spec] of Object.entries(filter)) {
    const path = field.split(".");
    if (path.some((part) => part === "")) throw invalidFilter(`'${field}' is not a field path`);
    const isOperators =
      typeof spec === "object" && spec !== null && !Array.isArray(spec) && Object.keys(spec).some((k) => k.startsWith("$"));
    if (!isOperators) {
      conditions.push({ path, op: "$eq", operand: spec });
      continue;
    }
    for (const [op, operand] of Object.entries(spec as Record<string, JsonValue>)) {
      if (!(FILTER_OPERATORS as readonly string[]).includes(op)) {
        throw invalidFilter(`Unknown operator '${op}' on '${field}'; use ${FILTER_OPERATORS.join(", ")}`);
      }
      if (op === "$in" && !Array.isArray(operand)) throw invalidFilter(`$in on '${field}' takes a list`);
      conditions.push({ path, op: op as Operator, operand });
    }
  }
  return conditions;
}

/**
 * One page of a query. `entries` are the live entries of the prefix in key order, from the position
 * on (from the start for a sorted query), at most `scanLimit + 1` of them; `more` tells whether the
 * provider stopped reading before the prefix ended.
 */
export function runQuery(
  entries: RawEntry[],
  more: boolean,
  options: KeyValueQueryOptions,
  position: QueryPosition,
  scanLimit: number,
): KeyValueQueryPage {
  const conditions = compileQuery(options);
  const limit = listLimit(options.limit);
  const matches = (value: JsonValue) => matchesFilter(conditions, value);
  if (options.sort === undefined) {
    const items: KeyValueQueryPage["items"] = [];
    const scanned = entries.slice(0, scanLimit);
    for (let i = 0; i < scanned.length; i++) {
      const entry = scanned[i]!;
      const value = JSON.parse(entry.json) as JsonValue;
      if (!matches(value)) continue;
      items.push({ key: entry.key, value });
      if (items.length === limit) {
        const rest = i + 1 < entries.length || more;
        return { items, cursor: rest ? encodeCursor(entry.key) : null };
      }
    }
    const rest = entries.length > scanLimit || more;
    return { items, cursor: rest && scanned.length > 0 ? encodeCursor(scanned[scanned.length - 1]!.key) : null };
  }
  if (entries.length > scanLimit || more) {
    throw new NodeError(
      "query_too_large",
      `A sorted query considers at most ${scanLimit} keys; narrow it with a prefix`,
      { scan_limit: scanLimit },
      false,
    );
  }
  const descending = options.sort.startsWith("-");
  const path = (descending ? options.sort.slice(1) : options.sort).split(".");
  const found = entries
    .map((entry) => ({ key: entry.key, value: JSON.parse(entry.json) as JsonValue }))
    .filter((item) => matches(item.value));
  found.sort((a, b) => {
    const order = compareValues(field(a.value, path), field(b.value, path), descending);
    return order !== 0 ? order : compareUtf8(a.key, b.key);
  });
  const offset = position.kind === "offset" ? position.offset : 0;
  const items = found.slice(offset, offset + limit);
  return { items, cursor: offset + limit < found.length ? `o.${offset + limit}` : null };
}

/** Whether a value meets every condition of a compiled filter. */
export function matchesFilter(conditions: readonly FilterCondition[], value: JsonValue): boolean {
  return conditions.every((condition) => holds(condition, value));
}

function field(value: JsonValue, path: string[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const part of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = Array.isArray(current) ? (/^\d+$/.test(part) ? current[Number(part)] : undefined) : current[part];
  }
  return current;
}

function holds({ path, op, operand }: FilterCondition, value: JsonValue): boolean {
  const actual = field(value, path);
  switch (op) {
    case "$eq":
      return actual !== undefined && deepEqual(actual, operand);
    case "$ne":
      return actual === undefined || !deepEqual(actual, operand);
    case "$in":
      return actual !== undefined && (operand as JsonValue[]).some((candidate) => deepEqual(actual, candidate));
    case "$contains":
      if (typeof actual === "string") return typeof operand === "string" && actual.includes(operand);
      return Array.isArray(actual) && actual.some((element) => deepEqual(element, operand));
    default: {
      // Ordering compares numbers with numbers and strings with strings; anything else does not match.
      const comparable =
        (typeof actual === "number" && typeof operand === "number") || (typeof actual === "string" && typeof operand === "string");
      if (!comparable) return false;
      const order = typeof actual === "string" ? compareUtf8(actual, operand as string) : actual - (operand as number);
      return op === "$gt" ? order > 0 : op === "$gte" ? order >= 0 : op === "$lt" ? order < 0 : order <= 0;
    }
  }
}

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]!));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key]!, b[key]!));
}

/** Sort order: numbers, then strings, then booleans, then anything else; a missing field sorts last either way. */
function compareValues(a: JsonValue | undefined, b: JsonValue | undefined, descending: boolean): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const rank = (v: JsonValue) => (typeof v === "number" ? 0 : typeof v === "string" ? 1 : typeof v === "boolean" ? 2 : 3);
  const byRank = rank(a) - rank(b);
  let order = 0;
  if (byRank !== 0) order = byRank;
  else if (typeof a === "number") order = a - (b as number);
  else if (typeof a === "string") order = compareUtf8(a, b as string);
  else if (typeof a === "boolean") order = Number(a) - Number(b as boolean);
  return descending ? -order : order;
}
