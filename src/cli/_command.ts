/**
 * A small command framework over `node:util` parseArgs: commands declare
 * their options, arguments and examples; help text is generated from that.
 */
import { parseArgs } from "node:util";
import type { Client } from "./_client";
import { parseDuration } from "../lib/duration";

/** Exit codes; documented in docs/cli.md. */
export const EXIT = { ok: 0, failed: 1, other: 2, usage: 3 } as const;

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `file` gives `--input <file>`. */
  value?: string;
  description: string;
}

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Context {
  /** Positional arguments after the command name. */
  args: string[];
  opts: Values;
  json: boolean;
  profile: string | undefined;
  /** An API client for the selected profile; throws a usage error when not logged in. */
  client(): Promise<Client>;
}

export interface Command {
  name: string;
  summary: string;
  /** Argument synopsis after the command path, e.g. `<id> <file>`. */
  args?: string;
  /** Number of positional arguments accepted. */
  arity?: { min: number; max?: number };
  description?: string;
  options?: Record<string, OptionSpec>;
  examples?: string[];
  run(ctx: Context): Promise<number | void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

/** A mistake in how the CLI was called: exit code 3. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly helpFor?: string,
  ) {
    super(message);
  }
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: "boolean", description: "Print machine-readable JSON instead of tables and text" },
  profile: { type: "string", value: "name", description: "Config profile to use (default: $FLOWRUNNER_PROFILE or 'default')" },
  help: { type: "boolean", short: "h", description: "Show help" },
};

export function parseCommand(command: Command, argv: string[]): { args: string[]; opts: Values } {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const values = parsed.values as Values;
  const args = parsed.positionals;
  if (!values.help) {
    const { min, max } = command.arity ?? { min: 0, max: 0 };
    if (args.length < min) throw new UsageError(`missing argument: expected ${command.args ?? "arguments"}`);
    if (max !== undefined && args.length > max) throw new UsageError(`unexpected argument '${args[max]}'`);
  }
  return { args, opts: values };
}

export function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` <${o.value ?? "value"}>` : ""}`;
    return [flag, o.description + (o.multiple ? " (repeatable)" : "")] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

export function commandHelp(path: string, command: Command): string {
  const lines = [`${command.summary}`, "", `Usage: flowrunner ${path}${command.args ? ` ${command.args}` : ""} [options]`];
  if (command.description) lines.push("", command.description);
  if (command.options && Object.keys(command.options).length > 0) lines.push("", "Options:", ...optionLines(command.options));
  lines.push("", "Global options:", ...optionLines(GLOBAL_OPTIONS));
  if (command.examples?.length) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n") + "\n";
}

export function groupHelp(group: Group): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  const lines = [group.summary, "", `Usage: flowrunner ${group.name} <command> [options]`, "", "Commands:"];
  for (const c of group.commands) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
  lines.push("", `Run 'flowrunner ${group.name} <command> --help' for a command's options and examples.`);
  return lines.join("\n") + "\n";
}

/** Reads a string option that may be given at most once. */
export function str(opts: Values, name: string): string | undefined {
  const v = opts[name];
  return typeof v === "string" ? v : undefined;
}

/** Reads a non-negative integer option. */
export function int(opts: Values, name: string): number | undefined {
  const v = str(opts, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got '${v}'`);
  return Number(v);
}

/** Parses a duration like `90`, `30s`, `5m` or `1h` into seconds. */
/** An instant: an ISO time as is, or a duration (`90m`, `2d`) meaning that long before now. */
export function instant(opts: Values, name: string, now = Date.now()): string | undefined {
  const v = str(opts, name);
  if (v === undefined) return undefined;
  const ago = parseDuration(v);
  if (ago !== undefined && !/^\d+$/.test(v)) return new Date(now - ago).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  throw new UsageError(`--${name} must be a time like 2026-12-01T09:00:00Z or a duration before now like 90m or 2d, got '${v}'`);
}

export function seconds(opts: Values, name: string): number | undefined {
  const v = str(opts, name);
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new UsageError(`--${name} must be a duration like 30s, 5m or 1h, got '${v}'`);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] ?? "s"] ?? 1;
  return Number(m[1]) * factor;
}
