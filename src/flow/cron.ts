/**
 * Cron expression checking for the `cron` node's `schedule`. Accepts what the
 * original (robfig/cron) accepted: 5 fields, or 6 with seconds first; `*`,
 * `?` (day fields), lists, ranges, steps, JAN–DEC / SUN–SAT names, the
 * `@hourly`-style macros and `@every <duration>`. Computing fire times is the
 * scheduler's job; this only decides whether an expression means anything.
 */
import { parseDuration } from "../lib/duration";

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Index of the first name: months start at 1, weekdays at 0. */
  nameBase?: number;
  question?: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const SECOND: Field = { name: "second", min: 0, max: 59 };
const STANDARD: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is Sunday too, as in most crons.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, nameBase: 0, question: true },
];

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
  if (base === "?")
    return field.question ? (step === undefined ? undefined : `'?' cannot have a step`) : `'?' is only allowed in the day fields`;
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
  if (text.startsWith("@")) {
    const [macro = "", ...rest] = text.split(/\s+/);
    if (macro === "@every") {
      const ms = rest.length === 1 ? parseDuration(rest[0]!) : undefined;
      if (ms === undefined || ms < 1000) return `'@every' needs one duration of at least 1s, e.g. '@every 1h30m'`;
      return undefined;
    }
    if ((CRON_MACROS as readonly string[]).includes(macro) && rest.length === 0) return undefined;
    return `unknown macro '${text}' (use ${CRON_MACROS.join(", ")} or '@every <duration>')`;
  }
  const parts = text.split(/\s+/).filter((part) => part !== "");
  if (parts.length !== 5 && parts.length !== 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got ${parts.length}`;
  }
  const fields = parts.length === 6 ? [SECOND, ...STANDARD] : STANDARD;
  for (let i = 0; i < parts.length; i++) {
    for (const item of parts[i]!.split(",")) {
      const problem = checkItem(item, fields[i]!);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
