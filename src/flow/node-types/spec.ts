/**
 * How a node type is declared. The declaration is the single source for
 * validation, the JSON Schema, the docs tables and the engine's expectations
 * (which actions a node can finish with, which params hold code).
 */
import { z } from "zod";
import { isRecord } from "../../lib/json";
import { isTemplate, templatedObject } from "../primitives";

/** A rule spanning several params (e.g. "operation: set needs key and value"). */
export interface ParamProblem {
  path: (string | number)[];
  message: string;
  /** A required param is absent (reported as missing_param rather than invalid_param). */
  missing?: boolean;
}

type Shape = Record<string, z.ZodType>;

/** Params as a node's implementation receives them, for a declared shape. */
export type ResolvedParams<S extends Shape> = z.output<z.ZodObject<S>>;

/** The resolved params of a declared node type. */
export type ParamsOf<T> = T extends NodeTypeSpec<infer P> ? P : never;

export interface NodeTypeSpec<P = Record<string, unknown>> {
  readonly type: string;
  readonly description: string;
  /** Closed object schema of `params` as written (unknown params rejected; every field also accepts a "${...}" template). */
  readonly params: z.ZodType;
  /**
   * Params as the node runs with them: templates evaluated, then parsed by this schema, which applies
   * defaults and the cross-param rules. What a template produced is only known at run time, so a
   * value the schema refuses fails the step there (invalid_params), never silently.
   */
  readonly resolved: z.ZodType<P>;
  /** Param names in declaration order. */
  readonly paramNames: readonly string[];
  /** Actions the node can finish with; `default` and `error` are always possible. */
  readonly actions: readonly string[];
  /** The node can finish with any action (e.g. `condition`), so edges are not checked against `actions`. */
  readonly dynamicActions: boolean;
  /**
   * Params holding JavaScript source. The engine must not expand `${...}` in
   * them: there it belongs to the script's own template literals.
   */
  readonly scriptParams: readonly string[];
  /**
   * Set while the type validates but this server cannot run it: why. Flows using it save with a
   * warning (node_not_runnable) naming the node, instead of failing every run.
   */
  readonly notRunnable?: string;
  /** The exact action set implied by these params, when it can be known before running. */
  actionsFor?(params: Record<string, unknown>): readonly string[] | undefined;
  /** Cross-param rules, run even when some params are individually invalid. */
  crossCheck?(params: Record<string, unknown>): ParamProblem[];
}

export interface NodeTypeDeclaration<S extends Shape> {
  type: string;
  description: string;
  params: S;
  actions: readonly string[];
  dynamicActions?: boolean;
  scriptParams?: readonly (keyof S & string)[];
  notRunnable?: string;
  actionsFor?: (params: Record<string, unknown>) => readonly string[] | undefined;
  crossCheck?: (params: Record<string, unknown>) => ParamProblem[];
}

function withCrossCheck<T extends z.ZodType>(schema: T, crossCheck: NodeTypeDeclaration<Shape>["crossCheck"]): T {
  if (!crossCheck) return schema;
  // Inside the schema too, so both the save-time and the run-time check apply the same rules.
  return schema.superRefine((value, ctx) => {
    if (!isRecord(value)) return;
    for (const problem of crossCheck(value)) {
      ctx.addIssue({ code: "custom", message: problem.message, path: problem.path, params: { missing: problem.missing === true } });
    }
  }) as unknown as T;
}

export function defineNodeType<S extends Shape>(declaration: NodeTypeDeclaration<S>): NodeTypeSpec<ResolvedParams<S>> {
  const { crossCheck } = declaration;
  return {
    type: declaration.type,
    description: declaration.description,
    params: withCrossCheck(templatedObject(declaration.params), crossCheck),
    // Not closed: a `prep` hook may hand the node more than it declares; the node never sees it.
    resolved: withCrossCheck(z.object(declaration.params), crossCheck) as unknown as z.ZodType<ResolvedParams<S>>,
    paramNames: Object.keys(declaration.params),
    actions: declaration.actions,
    dynamicActions: declaration.dynamicActions ?? false,
    scriptParams: declaration.scriptParams ?? [],
    ...(declaration.notRunnable === undefined ? {} : { notRunnable: declaration.notRunnable }),
    ...(declaration.actionsFor ? { actionsFor: declaration.actionsFor } : {}),
    ...(crossCheck ? { crossCheck } : {}),
  };
}

/**
 * "operation X needs params A, B": the common shape of cross-param rules.
 * Skipped while the selector is a template, since its value is unknown.
 */
export function requiredBySelector(
  params: Record<string, unknown>,
  selector: string,
  fallback: string | undefined,
  table: Record<string, readonly string[]>,
): ParamProblem[] {
  const raw = params[selector] ?? fallback;
  if (typeof raw !== "string" || isTemplate(raw)) return [];
  const problems: ParamProblem[] = [];
  for (const name of table[raw] ?? []) {
    if (params[name] === undefined) {
      problems.push({ path: [name], message: `${selector} '${raw}' needs param '${name}'`, missing: true });
    }
  }
  return problems;
}

/** Params that make no sense together. */
export function exclusive(params: Record<string, unknown>, a: string, b: string): ParamProblem[] {
  if (params[a] === undefined || params[b] === undefined) return [];
  return [{ path: [b], message: `use either '${a}' or '${b}', not both` }];
}
