import { instant, int, seconds, str, UsageError, type Command, type Group } from "../_command";
import { c, fields, formatDuration, formatTime, out, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";
import type { ExecutionSummaryView as Summary, LogList, StepList } from "../../services/execution-schemas";
import { describeState, exitCodeFor, type Execution, type RunError } from "../_render";
import { resolveFlowId } from "./flows";
import { FILTER_OPTIONS, runBulk, wantsBulk } from "./operations";
import { afterStart, INPUT_OPTIONS, readRunInput, startWait, waitForEnd, WATCH_OPTIONS } from "./run";

const execPath = (id: string) => `/api/v1/executions/${encodeURIComponent(id)}`;
const errorText = (e: RunError | null | undefined) => (e ? `${e.code}: ${e.message}${e.node_id ? ` (node ${e.node_id})` : ""}` : null);

function showExecution(e: Execution): void {
  fields([
    ["id", e.id],
    ["flow", `${e.flow_id} v${e.flow_version}`],
    ["status", e.status],
    ["trigger", e.trigger],
    ["created", formatTime(e.created_at)],
    ["finished", formatTime(e.finished_at)],
    ["steps", e.step_count],
    ...(e.current_nodes?.length ? [["current", e.current_nodes.join(", ")] as [string, unknown]] : []),
    ...(e.waiting_for ?? []).map((w) => ["waiting", `${w.node_id}: ${describeState(w)}`] as [string, unknown]),
    ...(e.error ? [["error", errorText(e.error)] as [string, unknown]] : []),
    ["input", e.input],
    ["output", e.output],
  ]);
}

const list: Command = {
  name: "list",
  summary: "List executions, newest first",
  arity: { min: 0, max: 0 },
  options: {
    flow: { type: "string", value: "flow", description: "Only runs of this flow (id or name)" },
    status: { type: "string", value: "status", description: "running, waiting, completed, failed or cancelled" },
    trigger: {
      type: "string",
      value: "type",
      description: "Only runs started this way: api, cron, webhook, flow, email, subflow, rerun, mcp",
    },
    "trigger-id": { type: "string", value: "trg_…", description: "Only runs started by this trigger" },
    since: {
      type: "string",
      value: "time",
      description: "Only runs created at or after this time (ISO, or a duration before now: 1h, 2d)",
    },
    until: { type: "string", value: "time", description: "Only runs created before this time (ISO, or a duration before now)" },
    ...PAGE_OPTIONS,
  },
  examples: [
    "flowrunner executions list",
    "flowrunner executions list --flow Hello --status failed",
    "flowrunner executions list --status failed --since 24h",
    "flowrunner executions list --json --all",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const flow = str(ctx.opts, "flow");
    const query = {
      flow_id: flow ? await resolveFlowId(client, flow) : undefined,
      status: str(ctx.opts, "status"),
      trigger_type: str(ctx.opts, "trigger"),
      trigger_id: str(ctx.opts, "trigger-id"),
      since: instant(ctx.opts, "since"),
      until: instant(ctx.opts, "until"),
    };
    const page = await listPages<Summary>(client, "/api/v1/executions", "executions", ctx.opts, query);
    if (ctx.json) return printJson({ executions: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "id", value: (e) => e.id },
        { header: "flow", value: (e) => `${e.flow_id} v${e.flow_version}` },
        { header: "status", value: (e) => e.status },
        { header: "steps", value: (e) => e.step_count },
        { header: "created", value: (e) => formatTime(e.created_at) },
        { header: "took", value: (e) => (e.finished_at ? formatDuration(Date.parse(e.finished_at) - Date.parse(e.created_at)) : null) },
        { header: "error", value: (e) => errorText(e.error) },
      ],
      "No executions.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const get: Command = {
  name: "get",
  summary: "Show an execution: status, waits, error, input and output",
  args: "<execution>",
  arity: { min: 1, max: 1 },
  description: "With --wait the command waits for the run to end and exits like 'run --wait' (0 completed, 1 failed, 2 other).",
  options: { wait: { type: "string", value: "duration", description: "Wait up to this long for the run to finish (e.g. 60, 5m)" } },
  examples: [
    "flowrunner executions get exe_0123456789abcdefghijklmno",
    "flowrunner executions get exe_0123456789abcdefghijklmno --wait 5m --json",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const wait = seconds(ctx.opts, "wait");
    const execution =
      wait === undefined ? await client.get<Execution>(execPath(ctx.args[0]!)) : await waitForEnd(client, ctx.args[0]!, wait);
    if (ctx.json) printJson(execution);
    else showExecution(execution);
    return wait === undefined ? 0 : exitCodeFor(execution.status);
  },
};

const CURSOR_OPTIONS = {
  node: { type: "string", value: "node", description: "Only this node" },
  after: { type: "string", value: "seq", description: "Only entries after this seq" },
  limit: { type: "string", value: "n", description: "At most n entries, 1-1000 (default 100)" },
} as const;

const steps: Command = {
  name: "steps",
  summary: "List an execution's step records (one per attempt)",
  args: "<execution>",
  arity: { min: 1, max: 1 },
  options: { ...CURSOR_OPTIONS, full: { type: "boolean", description: "Whole inputs and outputs instead of previews (with --json)" } },
  examples: [
    "flowrunner executions steps exe_0123456789abcdefghijklmno",
    "flowrunner executions steps exe_0123456789abcdefghijklmno --node fetch --full --json",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const query = {
      node_id: str(ctx.opts, "node"),
      after: int(ctx.opts, "after"),
      limit: int(ctx.opts, "limit"),
      full: ctx.opts.full ? "true" : undefined,
    };
    const { steps } = await client.get<StepList>(`${execPath(ctx.args[0]!)}/steps`, query);
    if (ctx.json) return printJson({ steps });
    table(
      steps,
      [
        { header: "seq", value: (s) => s.seq },
        { header: "node", value: (s) => s.node_id },
        { header: "attempt", value: (s) => s.attempt },
        { header: "status", value: (s) => s.status },
        { header: "action", value: (s) => s.action },
        { header: "duration", value: (s) => formatDuration(s.duration_ms) },
        { header: "started", value: (s) => formatTime(s.started_at) },
        { header: "error", value: (s) => (s.error ? `${s.error.code}: ${s.error.message}` : null) },
      ],
      "No steps.",
    );
  },
};

const logs: Command = {
  name: "logs",
  summary: "Print an execution's log lines",
  args: "<execution>",
  arity: { min: 1, max: 1 },
  options: { ...CURSOR_OPTIONS, level: { type: "string", value: "level", description: "Only this level: debug, info, warn or error" } },
  examples: [
    "flowrunner executions logs exe_0123456789abcdefghijklmno",
    "flowrunner executions logs exe_0123456789abcdefghijklmno --level error --node fetch",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const query = {
      node_id: str(ctx.opts, "node"),
      after: int(ctx.opts, "after"),
      limit: int(ctx.opts, "limit"),
      level: str(ctx.opts, "level"),
    };
    const { logs } = await client.get<LogList>(`${execPath(ctx.args[0]!)}/logs`, query);
    if (ctx.json) return printJson({ logs });
    for (const l of logs) {
      const data = l.data === null || l.data === undefined ? "" : ` ${c.gray(JSON.stringify(l.data))}`;
      out(`${c.gray(formatTime(l.time))} ${l.level.padEnd(5)} ${l.node_id ?? "-"}: ${l.message}${data}`);
    }
  },
};

const cancel: Command = {
  name: "cancel",
  summary: "Cancel a run (a finished run is left as it is), or every running or waiting run a filter matches",
  args: "[<execution>]",
  arity: { min: 0, max: 1 },
  description:
    "With filters instead of an id, starts a bulk operation that cancels every running or waiting run they match (created before it started), asks first on a terminal unless --yes, and shows its progress until it ends unless --no-wait. Exit codes then: 0 succeeded, 1 failed on some run, 2 stopped or not confirmed.",
  options: FILTER_OPTIONS,
  examples: [
    "flowrunner executions cancel exe_0123456789abcdefghijklmno",
    "flowrunner executions cancel --flow Orders --status waiting",
    "flowrunner executions cancel --flow Orders --since 2h --yes --no-wait --json",
  ],
  async run(ctx) {
    if (wantsBulk(ctx)) return runBulk(ctx, "cancel");
    const client = await ctx.client();
    const execution = await client.request<Execution>("DELETE", execPath(ctx.args[0]!));
    if (ctx.json) return printJson(execution);
    out(
      execution.error?.code === "cancelled" && execution.status === "cancelled"
        ? `Cancelled ${execution.id}`
        : `${execution.id} had already ended: ${execution.status}`,
    );
  },
};

const rerun: Command = {
  name: "rerun",
  summary: "Run an execution again, from the start or from a node; or every finished run a filter matches",
  args: "[<execution>]",
  arity: { min: 0, max: 1 },
  description:
    "From a node, the nodes that completed before it keep their recorded outputs (they do not run again). Exit codes as for 'run'. With filters instead of an id, starts a bulk operation that re-runs every completed, failed or cancelled run they match from the start (runs created after it started, its own re-runs among them, are left out); confirmation, progress and exit codes as for a bulk 'executions cancel'.",
  options: {
    "from-node": { type: "string", value: "node", description: "Start at this node" },
    ...INPUT_OPTIONS,
    ...WATCH_OPTIONS,
    ...FILTER_OPTIONS,
  },
  examples: [
    "flowrunner executions rerun exe_0123456789abcdefghijklmno --follow",
    "flowrunner executions rerun exe_0123456789abcdefghijklmno --from-node charge --wait",
    "flowrunner executions rerun --flow Orders --status failed --since 24h",
  ],
  async run(ctx) {
    if (wantsBulk(ctx)) {
      const single = ["from-node", "input", "input-json", "wait", "follow", "timeout"].find((name) => ctx.opts[name] !== undefined);
      if (single)
        throw new UsageError(
          `--${single} applies to one execution, not to a bulk re-run (which re-runs each from the start with its own input)`,
        );
      return runBulk(ctx, "rerun");
    }
    const client = await ctx.client();
    const input = await readRunInput(ctx);
    const fromNode = str(ctx.opts, "from-node");
    const wait = startWait(ctx);
    const body = { ...(fromNode ? { from_node: fromNode } : {}), ...(input === undefined ? {} : { input }) };
    const started = await client.post<Execution>(`${execPath(ctx.args[0]!)}/rerun`, body, wait !== undefined ? { query: { wait } } : {});
    return afterStart(ctx, client, started);
  },
};

export const executions: Group = {
  name: "executions",
  summary: "Inspect and control runs: list, get, steps, logs, cancel, rerun",
  commands: [list, get, steps, logs, cancel, rerun],
};
