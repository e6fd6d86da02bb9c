/**
 * Cron expressions for the `cron` node's `schedule`. croner decides: an expression is valid when
 * croner parses it with CRON_OPTIONS, the options the scheduler computes fire times with, so a
 * schedule that validates is one the scheduler reads the same way. `@every <duration>` (an
 * interval, not a pattern) is FlowRunner's own. When croner refuses an expression, the field
 * checker below says why in the flow language's words (which field, which value, what is allowed),
 * falling back to croner's own message for what it does not know.
 */
import { Cron, type CronOptions } from "croner";
import { parseDuration } from "../lib/duration";

/** How cron patterns are read, by validation and by the scheduler alike. */
export const CRON_OPTIONS = {
  // 5 fields, or 6 with seconds first; no year field.
  mode: "5-or-6-parts",
  // `5/10` (every 10 from 5), as classic crons accept.
  sloppyRanges: true,
  // A restricted day of month and day of week match either (classic cron), not both.
  domAndDow: false,
} as const satisfies CronOptions;

/** The schedule an expression describes (not `@every`), for computing fire times; throws when invalid. */
export function cronSchedule(expression: string, options: { timezone?: string } = {}): Cron {
  return new Cron(expression.trim(), { ...CRON_OPTIONS, ...options });
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Index of the first name: months start at 1, weekdays at 0. */
  nameBase?: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const SECOND: Field = { name: "second", min: 0, max: 59 };
const STANDARD: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is Sunday too, as in most crons.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

/** Items in croner's extended syntax (`L`, `LW`, `15W`, `5#2`, `5L`, `+MON`): croner's message says what is wrong with them. */
const CRONER_EXTENSION = /^\+|#|^\d*L$|^L|W$/i;

export const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;

function parseValue(text: string, field: Field): number | string {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      return `${field.name} value ${value} is out of range ${field.min}-${field.max}`;
    }
    return value;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + (field.nameBase ?? 0);
  const hint = field.names
    ? ` (a number ${field.min}-${field.max} or ${field.names[0]}-${field.names[field.names.length - 1]})`
    : ` (a number ${field.min}-${field.max})`;
  return `'${text}' is not a valid ${field.name}${hint}`;
}

/** One comma-separated item: `*`, `?`, `a`, `a-b`, each optionally `/step`. */
function checkItem(item: string, field: Field): string | undefined {
  if (item === "") return `empty item in ${field.name} field`;
  const [base = "", step, extra] = item.split("/");
  if (extra !== undefined) return `'${item}' has more than one '/' in ${field.name} field`;
  if (step !== undefined) {
    if (!/^\d+$/.test(step) || Number(step) < 1) return `step '${step}' in ${field.name} field must be a positive number`;
    if (Number(step) > field.max - field.min + 1) return `step ${step} is larger than the ${field.name} range`;
  }
  if (base === "*") return undefined;
  if (base === "?") return undefined;
  const [from = "", to, more] = base.split("-");
  if (more !== undefined) return `'${base}' is not a valid range in ${field.name} field`;
  const start = parseValue(from, field);
  if (typeof start === "string") return start;
  if (to === undefined) return undefined;
  const end = parseValue(to, field);
  if (typeof end === "string") return end;
  if (end < start) return `range ${base} in ${field.name} field goes backwards`;
  return undefined;
}

/** Undefined when `expression` is a valid schedule, else why it is not. */
export function cronError(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith("@every")) {
    const rest = text.split(/\s+/).slice(1);
    const ms = rest.length === 1 ? parseDuration(rest[0]!) : undefined;
    if (ms === undefined || ms < 1000) return `'@every' needs one duration of at least 1s, e.g. '@every 1h30m'`;
    return undefined;
  }
  let schedule: Cron;
  try {
    schedule = cronSchedule(text, { timezone: "UTC" });
  } catch (error) {
    return explain(text) ?? (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: (Syntax error, )?/, "");
  }
  // A pattern without a year fires within 28 years if at all; a fixed start keeps the answer the same every day.
  if (schedule.nextRun(NEVER_FIRES_FROM) === null) return "it never fires: no date has that day of month in those months";
  return undefined;
}

const NEVER_FIRES_FROM = new Date("2000-01-01T00:00:00Z");

/** Why croner refused `text`, in the flow language's words, or undefined when the checks below see nothing wrong. */
function explain(text: string): string | undefined {
  if (text.startsWith("@")) return `unknown macro '${text}' (use ${CRON_MACROS.join(", ")} or '@every <duration>')`;
  const parts = text.split(/\s+/).filter((part) => part !== "");
  if (parts.length !== 5 && parts.length !== 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got ${parts.length}`;
  }
  const fields = parts.length === 6 ? [SECOND, ...STANDARD] : STANDARD;
  for (let i = 0; i < parts.length; i++) {
    for (const item of parts[i]!.split(",")) {
      if (CRONER_EXTENSION.test(item)) continue;
      const problem = checkItem(item, fields[i]!);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
