import type { Client } from "../_client";
import { EXIT, seconds, str, UsageError, type Context, type Command, type OptionSpec } from "../_command";
import { c, err, out, printJson } from "../_output";
import { readInput } from "../_prompt";
import { FINAL, printOutcome, RunRenderer, type Execution } from "../_render";
import { follow } from "../_watch";
import { resolveFlowId } from "./flows";

export const INPUT_OPTIONS: Record<string, OptionSpec> = {
  input: { type: "string", value: "file.json", description: "Run input from a JSON file (`-` for stdin)" },
  "input-json": { type: "string", value: "json", description: "Run input as a JSON string" },
};

export const WATCH_OPTIONS: Record<string, OptionSpec> = {
  wait: { type: "boolean", short: "w", description: "Wait for the run to finish; print its status and output" },
  follow: { type: "boolean", short: "f", description: "Stream the run live: steps, logs, then the final status and output" },
  timeout: {
    type: "string",
    value: "duration",
    description: "With --wait/--follow: stop waiting after this long (e.g. 30s, 5m); exit code 2",
  },
};

/** JSON from a file or an option; a usage error naming where it came from otherwise. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The input from --input or --input-json; undefined when neither is given. */
export async function readRunInput(ctx: Context): Promise<unknown> {
  const file = str(ctx.opts, "input");
  const inline = str(ctx.opts, "input-json");
  if (file !== undefined && inline !== undefined) throw new UsageError("give either --input or --input-json, not both");
  if (file !== undefined) return parseJson(await readInput(file), file === "-" ? "stdin" : file);
  if (inline !== undefined) return parseJson(inline, "--input-json");
  return undefined;
}

/** Waits with the API's long poll (60 s at a time) until the run is final or the timeout passes. */
export async function waitForEnd(client: Client, id: string, timeoutSec?: number): Promise<Execution> {
  const deadline = timeoutSec === undefined ? Infinity : Date.now() + timeoutSec * 1000;
  for (;;) {
    const wait = Math.max(0, Math.min(60, (deadline - Date.now()) / 1000));
    const execution = await client.get<Execution>(`/api/v1/executions/${id}`, { wait: Number(wait.toFixed(3)) });
    if (FINAL.has(execution.status) || Date.now() >= deadline) return execution;
  }
}

/** What run and rerun do once the execution exists: follow it, wait for it, or report it started. */
export async function afterStart(ctx: Context, client: Client, started: Execution): Promise<number> {
  const timeoutSec = seconds(ctx.opts, "timeout");
  if (ctx.opts.follow) {
    const renderer = new RunRenderer(ctx.json);
    process.once("SIGINT", () => {
      renderer.stop();
      err(`\nStopped following ${started.id}; the run goes on (flowrunner executions cancel ${started.id} stops it).`);
      process.exit(130);
    });
    const execution = await follow(client, started.id, renderer, timeoutSec === undefined ? {} : { timeoutSec });
    return printOutcome(execution, ctx.json, { stream: true });
  }
  if (ctx.opts.wait) {
    const execution = FINAL.has(started.status) ? started : await waitForEnd(client, started.id, timeoutSec);
    return printOutcome(execution, ctx.json);
  }
  if (ctx.json) printJson(started);
  else {
    out(`Started ${c.bold(started.id)} (${started.status})`);
    err(`hint: flowrunner executions get ${started.id} --wait 60, or run with --follow`);
  }
  return EXIT.ok;
}

/** The first wait of a run: folded into the start request when it can be. */
export function startWait(ctx: Context): number | undefined {
  if (!ctx.opts.wait || ctx.opts.follow) return undefined;
  return Math.min(60, seconds(ctx.opts, "timeout") ?? 60);
}

export const run: Command = {
  name: "run",
  summary: "Start a run of a flow; optionally wait for it or follow it live",
  args: "<flow>",
  arity: { min: 1, max: 1 },
  description: [
    "<flow> is a flow id or an exact flow name. Without --wait or --follow the command prints the execution id",
    "and exits 0. With them, the exit code is the run's: 0 completed, 1 failed, 2 cancelled or still running",
    "when --timeout passed. --follow uses the run's WebSocket (polling on Node 20 or FLOWRUNNER_WATCH=poll);",
    'with --json it prints one JSON event per line, then {"type": "execution", ...} with the final state.',
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    ...WATCH_OPTIONS,
    "idempotency-key": { type: "string", value: "key", description: "Repeating a run with the same key returns the first execution" },
  },
  examples: [
    'flowrunner run Hello --input-json \'{"name": "world"}\' --wait',
    "flowrunner run flw_0123456789abcdefghijklmno --input order.json --follow",
    'flowrunner run Nightly --idempotency-key "nightly-$(date +%F)"',
    "flowrunner run Hello --wait --json | jq .output",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const input = await readRunInput(ctx);
    const id = await resolveFlowId(client, ctx.args[0]!);
    const key = str(ctx.opts, "idempotency-key");
    const wait = startWait(ctx);
    const started = await client.post<Execution>(`/api/v1/flows/${id}/run`, input === undefined ? {} : { input }, {
      ...(wait !== undefined ? { query: { wait } } : {}),
      ...(key ? { headers: { "Idempotency-Key": key } } : {}),
    });
    return afterStart(ctx, client, started);
  },
};
