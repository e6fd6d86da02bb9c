/**
 * The key-value operations as SQL on one table: `key text PRIMARY KEY, value jsonb NOT NULL,
 * expires_at timestamptz`. An expired row counts as absent for every operation. Keys are ordered by
 * their bytes (`COLLATE "C"`), as in the account's own store.
 */
import { NodeError } from "../../engine/outcome";
import { isRecord, type JsonValue } from "../../lib/json";

export const DEFAULT_TABLE = "flowrunner_store";
export const DEFAULT_LIST_LIMIT = 100;

export interface Sql {
  text: string;
  values: unknown[];
}

/** `table` or `schema.table`, each part an unquoted identifier; quoted so it is never read as SQL. */
export function quoteTable(name: string): string {
  const parts = name.split(".");
  if (parts.length > 2 || parts.some((part) => !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(part))) {
    throw new NodeError(
      "invalid_params",
      `table_name '${name}' must be a name of letters, digits and underscores (optionally schema.table)`,
      { param: "table_name" },
      false,
    );
  }
  return parts.map((part) => `"${part}"`).join(".");
}

const LIVE = "(expires_at IS NULL OR expires_at > now())";

export const createTable = (table: string): string =>
  `CREATE TABLE IF NOT EXISTS ${table} (key text COLLATE "C" PRIMARY KEY, value jsonb NOT NULL, expires_at timestamptz)`;

export const getSql = (table: string, key: string): Sql => ({
  text: `SELECT value FROM ${table} WHERE key = $1 AND ${LIVE}`,
  values: [key],
});

export const setSql = (table: string, key: string, value: JsonValue, ttlMs: number | undefined): Sql => ({
  text:
    `INSERT INTO ${table} (key, value, expires_at) VALUES ($1, $2::jsonb, CASE WHEN $3::bigint IS NULL THEN NULL ELSE now() + $3::bigint * interval '1 millisecond' END) ` +
    `ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
  values: [key, JSON.stringify(value), ttlMs === undefined ? null : Math.ceil(ttlMs)],
});

/** Removes the row, expired or not; `live` says whether there was a value to delete. */
export const deleteSql = (table: string, key: string): Sql => ({
  text: `DELETE FROM ${table} WHERE key = $1 RETURNING ${LIVE} AS live`,
  values: [key],
});

export const listSql = (table: string, prefix: string | undefined, limit: number): Sql => ({
  text: `SELECT key FROM ${table} WHERE ${LIVE} AND left(key, length($1)) = $1 ORDER BY key LIMIT $2`,
  values: [prefix ?? "", limit],
});

const COMPARISONS: Record<string, string> = { $eq: "=", $ne: "<>", $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

/**
 * Values matching `filter` ({field: value} or {field: {$op: value}}), sorted by a field of the value
 * ("-field" descending, then by key) or by key. Comparisons are jsonb's: numbers by value, strings by
 * text, and values of different JSON types never match `$gt`/`$lt`.
 */
export function querySql(
  table: string,
  options: { prefix: string | undefined; filter: Record<string, JsonValue> | undefined; sort: string | undefined; limit: number },
): Sql {
  const values: unknown[] = [options.prefix ?? ""];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = [LIVE, "left(key, length($1)) = $1"];
  for (const [field, condition] of Object.entries(options.filter ?? {})) {
    const path = `value -> ${param(field)}::text`;
    const operators = isRecord(condition) && Object.keys(condition).some((k) => k.startsWith("$")) ? condition : { $eq: condition };
    for (const [op, operand] of Object.entries(operators)) where.push(filterClause(path, op, operand, param));
  }
  let order = "key";
  if (options.sort !== undefined && options.sort !== "" && options.sort !== "-") {
    const descending = options.sort.startsWith("-");
    const field = descending ? options.sort.slice(1) : options.sort;
    order = `value -> ${param(field)}::text ${descending ? "DESC NULLS LAST" : "ASC NULLS LAST"}, key`;
  }
  const limit = param(options.limit);
  return { text: `SELECT key, value FROM ${table} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${limit}`, values };
}

/**
 * One filter condition as SQL over the jsonb at `path`, meaning what the store's query means
 * (kv-query.ts): equality is deep (jsonb `=`), ordering only between two numbers or two strings
 * (strings by their bytes, COLLATE "C"), `$in` and `$contains` test elements for equality.
 */
export function filterClause(path: string, op: string, operand: JsonValue, param: (value: unknown) => string): string {
  const comparison = COMPARISONS[op];
  if (comparison !== undefined) {
    const json = `${param(JSON.stringify(operand))}::jsonb`;
    if (op === "$eq") return `(${path} = ${json})`;
    if (op === "$ne") return `(${path} IS DISTINCT FROM ${json})`;
    if (typeof operand === "number") return `(jsonb_typeof(${path}) = 'number' AND ${path} ${comparison} ${json})`;
    if (typeof operand === "string") {
      return `(jsonb_typeof(${path}) = 'string' AND (${path} #>> '{}') COLLATE "C" ${comparison} (${json} #>> '{}') COLLATE "C")`;
    }
    return "false";
  }
  if (op === "$in") {
    if (!Array.isArray(operand)) throw badFilter(`$in needs a list`);
    return `(${path} IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_array_elements(${param(JSON.stringify(operand))}::jsonb) AS e(v) WHERE e.v = ${path}))`;
  }
  if (op === "$contains") {
    const json = `${param(JSON.stringify(operand))}::jsonb`;
    // A string holds a substring; a list holds an element.
    return `(CASE jsonb_typeof(${path}) WHEN 'string' THEN jsonb_typeof(${json}) = 'string' AND strpos(${path} #>> '{}', ${json} #>> '{}') > 0 WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${path}) AS e(v) WHERE e.v = ${json}) ELSE false END)`;
  }
  throw badFilter(`unknown operator ${op}; use $eq, $ne, $gt, $gte, $lt, $lte, $in or $contains`);
}

const badFilter = (message: string) => new NodeError("invalid_params", `filter: ${message}`, { param: "filter" }, false);

/** A query result row as the store's query answers it: the value's fields with `_key`. */
export function withKey(key: string, value: JsonValue): JsonValue {
  return isRecord(value) ? { ...value, _key: key } : { value, _key: key };
}
