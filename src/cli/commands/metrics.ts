import { instant, str, UsageError, type Command } from "../_command";
import { c, fields, formatDuration, formatTime, out, printJson, table } from "../_output";
import type { MetricsWindowName } from "../../services/metrics";
import type { AccountMetricsView } from "../../services/ops-schemas";

const WINDOWS = ["1h", "24h", "7d", "30d"] as const satisfies readonly MetricsWindowName[];

const counts = (byStatus: Record<string, number | undefined>) =>
  Object.entries(byStatus)
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");

export const metrics: Command = {
  name: "metrics",
  summary: "Show the account's run metrics: runs by status and flow, durations, failing nodes, tokens",
  arity: { min: 0, max: 0 },
  description: "Read from the execution index: runs created in the window (the last 24 hours unless told otherwise).",
  options: {
    window: { type: "string", value: "1h|24h|7d|30d", description: "The last hour, day (default), week or 30 days" },
    since: { type: "string", value: "time", description: "Runs created at or after this time (ISO, or a duration before now: 36h)" },
    until: { type: "string", value: "time", description: "Runs created before this time (ISO, or a duration before now)" },
  },
  examples: ["flowrunner metrics", "flowrunner metrics --window 7d", "flowrunner metrics --since 2026-12-01T00:00:00Z --json"],
  async run(ctx) {
    const window = str(ctx.opts, "window");
    if (window !== undefined && !(WINDOWS as readonly string[]).includes(window)) {
      throw new UsageError(`--window must be one of ${WINDOWS.join(", ")}, got '${window}'`);
    }
    const since = instant(ctx.opts, "since");
    const until = instant(ctx.opts, "until");
    if (window !== undefined && (since !== undefined || until !== undefined))
      throw new UsageError("give either --window or --since/--until");
    const client = await ctx.client();
    const m = await client.get<AccountMetricsView>("/api/v1/metrics", { window, since, until });
    if (ctx.json) return printJson(m);
    fields([
      ["window", `${formatTime(m.since)} → ${formatTime(m.until)}`],
      ["runs", m.runs.total === 0 ? 0 : `${m.runs.total} (${counts(m.runs.by_status)})`],
      [
        "duration",
        m.duration_ms.finished
          ? `p50 ${formatDuration(m.duration_ms.p50)}, p95 ${formatDuration(m.duration_ms.p95)} over ${m.duration_ms.finished} finished`
          : null,
      ],
      ["steps", m.steps],
      ["tokens", m.tokens],
    ]);
    if (m.truncated) out(c.yellow("Only the newest runs of the window were read (the store's bound); see docs/operations.md#metrics."));
    out();
    table(
      m.flows,
      [
        { header: "flow", value: (f) => f.name ?? f.flow_id },
        { header: "runs", value: (f) => f.total },
        { header: "by status", value: (f) => counts(f.by_status) },
      ],
      "No runs in this window.",
    );
    if (m.failing_nodes.length > 0) {
      out();
      const names = new Map(m.flows.map((f) => [f.flow_id, f.name ?? f.flow_id]));
      table(m.failing_nodes, [
        { header: "failing node", value: (n) => n.node_id },
        { header: "flow", value: (n) => names.get(n.flow_id) ?? n.flow_id },
        { header: "failed runs", value: (n) => n.count },
      ]);
    }
  },
};
