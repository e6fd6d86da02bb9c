/**
 * Schema building blocks shared by the document schema and the node types:
 * templates, durations, cron strings, timestamps. Leaf checks that have their
 * own validation code (invalid_duration, invalid_cron) tag their issues with
 * it, so the code is right wherever the leaf is used.
 */
import { z } from "zod";
import { jsonValue } from "../lib/json-schema";
import { parseDuration } from "../lib/duration";
import { cronError } from "./cron";
import { kindOf } from "./suggest";

/** Key in a custom zod issue's `params` naming the FlowIssue code to report. */
export const FLOW_CODE = "flowCode";
/** Message of a template union's own issue, so the issue mapper can recognise it. */
export const TEMPLATE_UNION = "\u0000flow:template-union";

const TEMPLATE = /\$\{/;

/**
 * Any string containing `${`: its value is only known at run time. The check
 * aborts so that, inside a union, a non-template string counts as not
 * matching this branch at all and the other branch's issue is the one shown.
 */
export const templateString = z.string().regex(TEMPLATE, { abort: true }).describe('A "${...}" expression, evaluated at run time');

export function isTemplate(value: unknown): value is string {
  return typeof value === "string" && TEMPLATE.test(value);
}

type Shape = Record<string, z.ZodType>;

function acceptsAnyString(schema: z.ZodType): boolean {
  const def = schema._zod.def as { type: string; checks?: unknown[]; format?: string };
  if (def.type === "unknown" || def.type === "any") return true;
  // A string format (z.url(), z.email()) is a check of its own, kept in `format`.
  return def.type === "string" && (def.checks ?? []).length === 0 && def.format === undefined;
}

/**
 * `schema`, or a "${...}" template standing in for it. Applied to every param
 * by `templatedObject`, so no field has to remember to allow templates.
 * Annotations (description, default) move to the outer schema, where editors
 * look for them.
 */
export function withTemplates(schema: z.ZodType): z.ZodType {
  // Only annotations move: a `pattern` or `format` on the union would also
  // apply to the template branch and reject templates.
  const { description, title, examples, default: fallback, deprecated } = z.globalRegistry.get(schema) ?? {};
  const entries = Object.entries({ description, title, examples, default: fallback, deprecated });
  const meta = entries.some(([, value]) => value !== undefined)
    ? Object.fromEntries(entries.filter(([, value]) => value !== undefined))
    : undefined;
  let result: z.ZodType;
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    // The default is applied when the node runs (see NodeTypeSpec.resolved); in the document the
    // param is simply optional, and editors show the default.
    const value: unknown = schema._zod.def.defaultValue;
    return withTemplates(schema.unwrap() as z.ZodType)
      .optional()
      .meta({ ...(meta ?? {}), default: value });
  }
  if (schema instanceof z.ZodOptional) {
    result = withTemplates(schema.unwrap() as z.ZodType).optional();
  } else if (acceptsAnyString(schema)) {
    return schema;
  } else {
    result = z.union([schema, templateString], { error: () => TEMPLATE_UNION });
  }
  return meta ? result.meta(meta) : result;
}

/** A closed object (unknown keys rejected) whose every field also accepts a template. */
export function templatedObject<S extends Shape>(shape: S): z.ZodObject<S, z.core.$strict> {
  const fields: Shape = {};
  for (const [key, field] of Object.entries(shape)) fields[key] = withTemplates(field);
  // Typed as the declared shape: what a node receives once its templates are evaluated.
  return z.strictObject(fields) as z.ZodObject<S, z.core.$strict>;
}

/**
 * JSON-Schema mirror of `parseDuration` (src/lib/duration.ts), for editors
 * only; validation always calls `parseDuration`. A unit test keeps the two in
 * agreement.
 */
export const DURATION_PATTERN = "^\\s*(?:\\d+(?:\\.\\d+)?|(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+)\\s*$";
const DURATION_HINT = 'use e.g. "250ms", "30s", "5m", "1h30m" or a number of seconds';

export function durationSchema(options: { positive?: boolean } = {}): z.ZodType<string | number> {
  return z
    .union([z.number(), z.string()], { error: (issue) => `expected a duration (${DURATION_HINT}), got ${kindOf(issue.input)}` })
    .superRefine((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        const message = `${JSON.stringify(value)} is not a duration (${DURATION_HINT})`;
        ctx.addIssue({ code: "custom", message, params: { [FLOW_CODE]: "invalid_duration" } });
      } else if (options.positive && ms <= 0) {
        ctx.addIssue({ code: "custom", message: "must be longer than zero", params: { [FLOW_CODE]: "invalid_duration" } });
      }
    })
    .meta({ pattern: DURATION_PATTERN, description: `A duration: ${DURATION_HINT}` });
}

/** A node param holding a duration: checked like `durationSchema`, handed to the node in milliseconds. */
export function durationParam(options: { positive?: boolean } = {}): z.ZodType<number> {
  return durationSchema(options).transform((value) => parseDuration(value)!);
}

export const cronSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = cronError(value);
    if (problem !== undefined) {
      const message = `invalid cron expression ${JSON.stringify(value)}: ${problem}`;
      ctx.addIssue({ code: "custom", message, params: { [FLOW_CODE]: "invalid_cron" } });
    }
  })
  .meta({ description: 'Cron schedule: 5 fields, 6 with seconds first, "@hourly"-style macros or "@every 5m"' });

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp with a time zone, e.g. 2025-01-31T09:00:00Z. */
export const timestampSchema = z
  .string()
  .superRefine((value, ctx) => {
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      const message = `${JSON.stringify(value)} is not an RFC 3339 timestamp with a time zone, e.g. "2025-01-31T09:00:00Z"`;
      ctx.addIssue({ code: "custom", message });
    }
  })
  .meta({ format: "date-time" });

/** Header-like maps: the values are sent as text, so any scalar is fine. */
export const scalarMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export { jsonValue };
/** Free-form maps whose values the node passes through untouched. */
export const freeMap = z.record(z.string(), jsonValue);
export const stringOrList = z.union([z.string(), z.array(z.string())]);
export const port = z.number().int().min(1).max(65535);
/** A port, or its digits as a string: a port read from a secret is text. */
export const portOrDigits = port.or(
  z
    .string()
    .regex(/^\d{1,5}$/)
    .transform(Number)
    .pipe(port),
);

/** A node param holding a timestamp: checked like `timestampSchema`, handed to the node as epoch milliseconds. */
export const timestampParam: z.ZodType<number> = timestampSchema.transform((value) => Date.parse(value));
