/**
 * Driver failures as NodeErrors. A server error keeps its SQLSTATE and condition name in `details`
 * and its own message (which names tables, columns and constraints, never the connection's
 * credentials); anything else gets a message of ours, because a driver's own text may quote the
 * connection. Whether a failure is retried depends on its class: a statement that is wrong stays
 * wrong, a connection that dropped may come back.
 */
import { NodeError } from "../../engine/outcome";

/** The conditions a flow is most likely to meet (PostgreSQL, Appendix A). */
const CONDITIONS: Record<string, string> = {
  "08000": "connection_exception",
  "08001": "sqlclient_unable_to_establish_sqlconnection",
  "08003": "connection_does_not_exist",
  "08004": "sqlserver_rejected_establishment_of_sqlconnection",
  "08006": "connection_failure",
  "08P01": "protocol_violation",
  "0A000": "feature_not_supported",
  "21000": "cardinality_violation",
  "22001": "string_data_right_truncation",
  "22003": "numeric_value_out_of_range",
  "22007": "invalid_datetime_format",
  "22008": "datetime_field_overflow",
  "22012": "division_by_zero",
  "22P02": "invalid_text_representation",
  "23000": "integrity_constraint_violation",
  "23502": "not_null_violation",
  "23503": "foreign_key_violation",
  "23505": "unique_violation",
  "23514": "check_violation",
  "23P01": "exclusion_violation",
  "25P02": "in_failed_sql_transaction",
  "28000": "invalid_authorization_specification",
  "28P01": "invalid_password",
  "3D000": "invalid_catalog_name",
  "3F000": "invalid_schema_name",
  "40001": "serialization_failure",
  "40P01": "deadlock_detected",
  "42501": "insufficient_privilege",
  "42601": "syntax_error",
  "42703": "undefined_column",
  "42704": "undefined_object",
  "42710": "duplicate_object",
  "42804": "datatype_mismatch",
  "42830": "invalid_foreign_key",
  "42883": "undefined_function",
  "42P01": "undefined_table",
  "42P02": "undefined_parameter",
  "42P07": "duplicate_table",
  "42P18": "indeterminate_datatype",
  "53000": "insufficient_resources",
  "53100": "disk_full",
  "53200": "out_of_memory",
  "53300": "too_many_connections",
  "54000": "program_limit_exceeded",
  "55P03": "lock_not_available",
  "57014": "query_canceled",
  "57P01": "admin_shutdown",
  "57P02": "crash_shutdown",
  "57P03": "cannot_connect_now",
  "58000": "system_error",
  P0001: "raise_exception",
  XX000: "internal_error",
};

/** Condition names of whole classes, for codes not listed above. */
const CLASSES: Record<string, string> = {
  "08": "connection_exception",
  "0A": "feature_not_supported",
  "21": "cardinality_violation",
  "22": "data_exception",
  "23": "integrity_constraint_violation",
  "25": "invalid_transaction_state",
  "28": "invalid_authorization_specification",
  "3D": "invalid_catalog_name",
  "3F": "invalid_schema_name",
  "40": "transaction_rollback",
  "42": "syntax_error_or_access_rule_violation",
  "53": "insufficient_resources",
  "54": "program_limit_exceeded",
  "55": "object_not_in_prerequisite_state",
  "57": "operator_intervention",
  "58": "system_error",
  P0: "plpgsql_error",
  XX: "internal_error",
};

export const isSqlState = (code: unknown): code is string => typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);

/** The condition name of a SQLSTATE: its own, its class's, or "unknown". */
export function conditionName(sqlstate: string): string {
  return CONDITIONS[sqlstate] ?? CLASSES[sqlstate.slice(0, 2)] ?? "unknown";
}

/**
 * Failures that may pass on their own: the connection (08), a transaction the server rolled back
 * because of others (serialization failure, deadlock), resources (53) and a server going down or
 * starting (57P01-57P03). A statement cancelled by the timeout (57014) is not retried: it would run
 * as long again.
 */
export function isTransient(sqlstate: string): boolean {
  const cls = sqlstate.slice(0, 2);
  return cls === "08" || cls === "40" || cls === "53" || sqlstate === "57P01" || sqlstate === "57P02" || sqlstate === "57P03";
}

export interface DriverErrorFields {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  /** Set by the transaction runner: which statement failed. */
  statementIndex?: unknown;
}

/**
 * A driver failure as a NodeError. `scrub` removes the connection's credentials from any text that is
 * kept (a server message may quote a statement, and a statement may quote anything). `timeoutMs`
 * names the limit when the server cancelled the statement for it.
 */
export function mapDriverError(error: unknown, scrub: (text: string) => string, timeoutMs: number): NodeError {
  if (error instanceof NodeError) return error;
  const fields = (typeof error === "object" && error !== null ? error : {}) as DriverErrorFields;
  if (!isSqlState(fields.code)) {
    return new NodeError("connection_failed", "Could not reach the database, or the connection was lost", { sqlstate: null }, true);
  }
  const sqlstate = fields.code;
  const condition = conditionName(sqlstate);
  const details: Record<string, string | number> = { sqlstate, condition };
  for (const key of ["detail", "hint", "constraint", "table", "column"] as const) {
    const value = fields[key];
    if (typeof value === "string" && value !== "") details[key] = scrub(value);
  }
  const position = Number(fields.position);
  if (Number.isInteger(position) && position > 0) details.position = position;
  const statement = typeof fields.statementIndex === "number" ? fields.statementIndex : undefined;
  if (statement !== undefined) details.statement = statement;
  const where = statement === undefined ? "" : `Statement ${statement + 1}: `;
  if (sqlstate === "57014") {
    return new NodeError("statement_timeout", `${where}The statement was cancelled after ${timeoutMs} ms (timeout)`, details, false);
  }
  const serverMessage = typeof fields.message === "string" ? scrub(fields.message) : "";
  const category = sqlstate.startsWith("08") || sqlstate.startsWith("28") || sqlstate === "3D000" ? "connection_failed" : "query_failed";
  return new NodeError(
    category,
    `${where}PostgreSQL ${sqlstate} ${condition}${serverMessage ? `: ${serverMessage}` : ""}`,
    details,
    isTransient(sqlstate),
  );
}

/** Replaces every occurrence of the given secrets (the password, the connection string) in a text. */
export function scrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const known = secrets.filter((s): s is string => typeof s === "string" && s.length >= 3).sort((a, b) => b.length - a.length);
  return (text) => known.reduce((out, secret) => out.split(secret).join("[REDACTED]"), text);
}
