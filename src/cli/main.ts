/**
 * The command table and dispatch of `flowrunner`: finds the command in
 * argv, parses its options, runs it and maps errors to exit codes.
 */
import { ApiError } from "./_client";
import { commandHelp, EXIT, GLOBAL_OPTIONS, groupHelp, optionLines, parseCommand, UsageError, type Command, type Group } from "./_command";
import { clientFor } from "./_config";
import { err, out, printError } from "./_output";
import { VERSION } from "./_version";
import { accounts } from "./commands/accounts";
import { login, logout } from "./commands/auth";
import { events } from "./commands/events";
import { doctor } from "./commands/doctor";
import { executions } from "./commands/executions";
import { operations } from "./commands/operations";
import { flows } from "./commands/flows";
import { graph } from "./commands/graph";
import { run } from "./commands/run";
import { schedules } from "./commands/schedules";
import { secrets } from "./commands/secrets";
import { store } from "./commands/store";
import { tokens } from "./commands/tokens";
import { validate } from "./commands/validate";
import { webhooks } from "./commands/webhooks";
import { plugins } from "./commands/plugins";
import { metrics } from "./commands/metrics";

export const ENTRIES: (Command | Group)[] = [
  login,
  logout,
  validate,
  graph,
  run,
  flows,
  executions,
  operations,
  metrics,
  schedules,
  events,
  secrets,
  store,
  tokens,
  webhooks,
  plugins,
  accounts,
  doctor,
];

export const isGroup = (entry: Command | Group): entry is Group => "commands" in entry;

function mainHelp(): string {
  const width = Math.max(...ENTRIES.map((e) => e.name.length));
  const lines = [
    `flowrunner ${VERSION}: the command line of FlowRunner, YAML workflows on Cloudflare Workers`,
    "",
    "Usage: flowrunner <command> [options]",
    "",
    "Commands:",
    ...ENTRIES.map((e) => `  ${e.name.padEnd(width)}  ${e.summary}`),
    "",
    "Global options:",
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: "boolean", description: "Print the version" } }),
    "",
    "Environment: FLOWRUNNER_URL and FLOWRUNNER_TOKEN override the profile; FLOWRUNNER_PROFILE selects one.",
    "Exit codes: 0 success (run completed), 1 error (run failed, API error, invalid flow), 2 run cancelled or",
    "not finished, 3 usage error (bad arguments, not logged in).",
    "",
    "Examples:",
    "  flowrunner login --url http://localhost:8787",
    "  flowrunner validate hello.yaml && flowrunner flows create hello.yaml",
    '  flowrunner run Hello --input-json \'{"name": "world"}\' --follow',
    "",
    "Run 'flowrunner <command> --help' for more. Docs: docs/cli.md",
  ];
  return lines.join("\n") + "\n";
}

/** Indices of the first `count` positional words, skipping global options (and --profile's value). */
function commandWords(argv: string[], count: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < argv.length && found.length < count; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "--profile") i++;
    else if (!arg.startsWith("-")) found.push(i);
  }
  return found;
}

function resolve(argv: string[]): { path: string; command?: Command; group?: Group; rest: string[] } {
  const [first, second] = commandWords(argv, 2);
  if (first === undefined) return { path: "", rest: argv };
  const name = argv[first]!;
  const entry = ENTRIES.find((e) => e.name === name);
  if (!entry) throw new UsageError(`unknown command '${name}'`, "");
  if (!isGroup(entry)) return { path: name, command: entry, rest: argv.filter((_, i) => i !== first) };
  if (second === undefined) return { path: name, group: entry, rest: argv.filter((_, i) => i !== first) };
  const sub = entry.commands.find((c) => c.name === argv[second]);
  if (!sub) throw new UsageError(`unknown command '${name} ${argv[second]}'`, name);
  return { path: `${name} ${sub.name}`, command: sub, group: entry, rest: argv.filter((_, i) => i !== first && i !== second) };
}

export async function main(argv: string[]): Promise<number> {
  let path = "";
  try {
    if (argv[0] === "--version" || argv[0] === "-v") {
      out(VERSION);
      return EXIT.ok;
    }
    if (argv[0] === "help") argv = [...argv.slice(1), "--help"];
    const resolved = resolve(argv);
    path = resolved.path;
    const wantsHelp = resolved.rest.includes("--help") || resolved.rest.includes("-h");
    if (!resolved.command) {
      const text = resolved.group ? groupHelp(resolved.group) : mainHelp();
      if (wantsHelp) {
        out(text);
        return EXIT.ok;
      }
      err(text);
      return EXIT.usage;
    }
    const command = resolved.command;
    const { args, opts } = parseCommand(command, resolved.rest);
    if (opts.help) {
      out(commandHelp(path, command));
      return EXIT.ok;
    }
    const profile = typeof opts.profile === "string" ? opts.profile : undefined;
    const result = await command.run({ args, opts, json: opts.json === true, profile, client: async () => clientFor(profile) });
    return typeof result === "number" ? result : EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`error: ${error.message}`);
      const help = error.helpFor ?? path;
      err(`Run 'flowrunner ${help ? `${help} ` : ""}--help' for usage.`);
      return EXIT.usage;
    }
    printError(error);
    if (error instanceof ApiError && error.status === 401) err("hint: log in again with 'flowrunner login', or check FLOWRUNNER_TOKEN");
    return EXIT.failed;
  }
}
