import { EXIT, instant, str, UsageError, type Command, type Context, type Group } from "../_command";
import type { Client } from "../_client";
import { err, fields, formatTime, out, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";
import { ask, stdinIsTTY } from "../_prompt";
import type { OperationAction, OperationFilter, OperationView } from "../../services/operation-schemas";
import { resolveFlowId } from "./flows";

const opPath = (id: string) => `/api/v1/operations/${encodeURIComponent(id)}`;
const POLL_MS = 500;
const PAST = { cancel: "cancelled", rerun: "re-run" } as const;

/** The options that turn `executions cancel` and `executions rerun` into bulk operations. */
export const FILTER_OPTIONS = {
  flow: { type: "string", value: "flow", description: "Bulk: runs of this flow (id or name)" },
  status: { type: "string", value: "status", description: "Bulk: runs in this status" },
  trigger: { type: "string", value: "type", description: "Bulk: runs started this way (api, cron, webhook, ...)" },
  since: { type: "string", value: "time", description: "Bulk: runs created at or after this time (ISO, or a duration before now: 1h, 2d)" },
  until: { type: "string", value: "time", description: "Bulk: runs created before this time (ISO, or a duration before now)" },
  yes: { type: "boolean", short: "y", description: "Bulk: do not ask for confirmation" },
  "no-wait": { type: "boolean", description: "Bulk: start the operation and print it, without following its progress" },
} as const;

const FILTER_FLAGS = ["flow", "status", "trigger", "since", "until"] as const;

/** True when the command was given filters rather than an execution id. */
export function wantsBulk(ctx: Context): boolean {
  const filtered = FILTER_FLAGS.some((name) => str(ctx.opts, name) !== undefined);
  if (filtered && ctx.args.length > 0) throw new UsageError("give either an execution id or filters (--flow, --status, ...), not both");
  if (!filtered && ctx.args.length === 0)
    throw new UsageError("missing argument: an execution id, or filters (--flow, --status, --since, --until) for many");
  return filtered;
}

/** Starts a bulk cancel or re-run from the command's filters, asks first on a terminal, then follows it. */
export async function runBulk(ctx: Context, action: OperationAction): Promise<number> {
  const client = await ctx.client();
  const flow = str(ctx.opts, "flow");
  const filter: OperationFilter = dropUndefined({
    flow_id: flow ? await resolveFlowId(client, flow) : undefined,
    status: str(ctx.opts, "status") as OperationFilter["status"],
    trigger_type: str(ctx.opts, "trigger") as OperationFilter["trigger_type"],
    since: instant(ctx.opts, "since"),
    until: instant(ctx.opts, "until"),
  });
  if (!ctx.opts.yes && stdinIsTTY()) {
    const what = Object.entries(filter)
      .map(([key, value]) => `${key}=${value}`)
      .join(" ");
    const answer = await ask(`${action === "cancel" ? "Cancel" : "Re-run"} every execution matching ${what}? [y/N] `);
    if (!/^y(es)?$/i.test(answer)) {
      err("Nothing done.");
      return EXIT.other;
    }
  }
  const started = await client.post<OperationView>(`/api/v1/executions/bulk-${action}`, { filter });
  if (ctx.opts["no-wait"]) {
    if (ctx.json) printJson(started);
    else out(`Started ${started.id}: follow it with 'flowrunner operations get ${started.id} --wait'`);
    return EXIT.ok;
  }
  return finish(ctx, await follow(client, started, ctx.json));
}

/** Polls the operation until it ends, with a progress line on a terminal. */
async function follow(client: Client, operation: OperationView, json: boolean): Promise<OperationView> {
  const live = !json && Boolean(process.stderr.isTTY);
  let current = operation;
  while (current.status === "running") {
    if (live) process.stderr.write(`\r${progress(current)}\u001b[K`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await client.get<OperationView>(opPath(current.id));
  }
  if (live) process.stderr.write("\r\u001b[K");
  return current;
}

function progress(o: OperationView): string {
  const handled = o.done + o.skipped + o.failed;
  return o.scanning ? `${o.id}: finding runs... ${o.matched} so far` : `${o.id}: ${handled}/${o.matched} (${o.failed} failed)`;
}

function finish(ctx: Context, o: OperationView): number {
  if (ctx.json) printJson(o);
  else {
    out(`${o.id} ${o.status}: ${o.done} of ${o.matched} ${PAST[o.action]}, ${o.skipped} skipped, ${o.failed} failed`);
    for (const e of o.errors) out(`  ${e.execution_id}: ${e.code}: ${e.message}`);
  }
  return o.status === "succeeded" ? EXIT.ok : o.status === "failed" ? EXIT.failed : EXIT.other;
}

function showOperation(o: OperationView): void {
  fields([
    ["id", o.id],
    ["action", o.action],
    ["status", o.status],
    [
      "filter",
      Object.entries(o.filter)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    ],
    ["matched", `${o.matched}${o.scanning ? " (still counting)" : ""}`],
    ["done", o.done],
    ["skipped", o.skipped],
    ["failed", o.failed],
    ["created", formatTime(o.created_at)],
    ["finished", formatTime(o.finished_at)],
    ...o.errors.map((e) => ["error", `${e.execution_id}: ${e.code}: ${e.message}`] as [string, unknown]),
  ]);
}

const list: Command = {
  name: "list",
  summary: "List bulk operations, newest first",
  arity: { min: 0, max: 0 },
  options: { ...PAGE_OPTIONS },
  examples: ["flowrunner operations list", "flowrunner operations list --json --all"],
  async run(ctx) {
    const client = await ctx.client();
    const page = await listPages<OperationView>(client, "/api/v1/operations", "operations", ctx.opts, {});
    if (ctx.json) return printJson({ operations: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "id", value: (o) => o.id },
        { header: "action", value: (o) => o.action },
        { header: "status", value: (o) => o.status },
        { header: "progress", value: (o) => `${o.done + o.skipped + o.failed}/${o.matched}` },
        { header: "failed", value: (o) => o.failed },
        { header: "created", value: (o) => formatTime(o.created_at) },
      ],
      "No operations.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const get: Command = {
  name: "get",
  summary: "Show a bulk operation's progress",
  args: "<operation>",
  arity: { min: 1, max: 1 },
  description:
    "With --wait the command follows the operation to its end and exits 0 when it succeeded, 1 when it failed, 2 when cancelled.",
  options: { wait: { type: "boolean", description: "Follow the operation until it ends" } },
  examples: ["flowrunner operations get opr_0123456789abcdefghijklmno", "flowrunner operations get opr_0123456789abcdefghijklmno --wait"],
  async run(ctx) {
    const client = await ctx.client();
    const operation = await client.get<OperationView>(opPath(ctx.args[0]!));
    if (ctx.opts.wait) return finish(ctx, await follow(client, operation, ctx.json));
    if (ctx.json) printJson(operation);
    else showOperation(operation);
  },
};

const cancel: Command = {
  name: "cancel",
  summary: "Stop a bulk operation (runs already acted on stay as they are)",
  args: "<operation>",
  arity: { min: 1, max: 1 },
  examples: ["flowrunner operations cancel opr_0123456789abcdefghijklmno"],
  async run(ctx) {
    const client = await ctx.client();
    const operation = await client.post<OperationView>(`${opPath(ctx.args[0]!)}/cancel`);
    if (ctx.json) return printJson(operation);
    out(operation.status === "cancelled" ? `Stopped ${operation.id}` : `${operation.id} had already ended: ${operation.status}`);
  },
};

export const operations: Group = {
  name: "operations",
  summary: "Follow and stop bulk operations (executions cancel/rerun with filters): list, get, cancel",
  commands: [list, get, cancel],
};

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
