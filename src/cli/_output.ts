/**
 * Output helpers: colour only on a terminal (and never with NO_COLOR), tables,
 * JSON, and errors in the form `error: <code>: <message>`.
 */
import { ApiError } from "./_client";

const useColor = (stream: NodeJS.WriteStream) =>
  process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== "0" : Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";

const paint =
  (code: number) =>
  (text: string, stream: NodeJS.WriteStream = process.stdout) =>
    useColor(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;

export const c = { red: paint(31), green: paint(32), yellow: paint(33), blue: paint(34), gray: paint(90), bold: paint(1) };

export function out(text = ""): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function err(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length ? value.join(",") : "-";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value).replace(/\s+/g, " ");
}

/** Prints rows as aligned columns under upper-case headers; `empty` when there are none. */
export function table<T>(rows: T[], columns: Column<T>[], empty = "(none)"): void {
  if (rows.length === 0) {
    out(empty);
    return;
  }
  const cells = rows.map((row) => columns.map((col) => cell(col.value(row))));
  const widths = columns.map((col, i) => Math.max(col.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
  out(c.bold(line(columns.map((col) => col.header.toUpperCase()))));
  for (const r of cells) out(line(r));
}

/** Prints `key  value` pairs, one a line. */
export function fields(pairs: [string, unknown][]): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  for (const [k, v] of pairs) out(`${c.gray(k.padEnd(width))}  ${typeof v === "object" && v !== null ? JSON.stringify(v) : cell(v)}`);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** Local time without the date when it is today. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

interface Issue {
  code?: string;
  message?: string;
  line?: number;
  column?: number;
  path?: string;
}

/** Prints an error as `error: <code>: <message>`, plus flow issues (with line and column) and field problems. */
export function printError(error: unknown, file?: string): void {
  if (!(error instanceof ApiError)) {
    err(`error: ${(error as Error)?.message ?? String(error)}`);
    return;
  }
  err(`error: ${error.code}: ${error.message}`);
  const details = (error.details ?? {}) as { errors?: Issue[]; fields?: Issue[]; retry_after?: number };
  for (const issue of details.errors ?? []) {
    const where = issue.line ? `${file ?? "line"}${file ? ":" : " "}${issue.line}:${issue.column ?? 1}: ` : "";
    err(`  ${where}${issue.message}${issue.code ? ` [${issue.code}]` : ""}`);
  }
  for (const field of details.fields ?? []) err(`  ${field.path || "(body)"}: ${field.message}`);
  if (details.retry_after !== undefined) err(`  retry after ${details.retry_after}s`);
}
