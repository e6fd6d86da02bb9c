import { AppError } from "../errors";
import type { ServiceMetrics } from "../storage/metrics-types";
import type { ExecutionIndex } from "../storage/types";
import { EXECUTION_STATUSES } from "../engine/types";
import type { AccountMetricsView } from "./ops-schemas";

/** The windows `?window=` names, in milliseconds. */
export const METRICS_WINDOWS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type MetricsWindowName = keyof typeof METRICS_WINDOWS;
const DAY_MS = METRICS_WINDOWS["24h"];
/** The longest window `since`/`until` may span. */
const MAX_WINDOW_MS = 90 * DAY_MS;

export interface MetricsRange {
  window?: MetricsWindowName | undefined;
  /** ISO instants, UTC; either replaces the named window. */
  since?: string | undefined;
  until?: string | undefined;
}

/** The window a query asks for: `since`/`until` if given (the other end defaults to now, or a day before `until`), else `window` (24h). */
export function resolveWindow(range: MetricsRange, now: number): { since: string; until: string } {
  if (range.since === undefined && range.until === undefined) {
    const span = METRICS_WINDOWS[range.window ?? "24h"];
    return { since: new Date(now - span).toISOString(), until: new Date(now).toISOString() };
  }
  if (range.window !== undefined) throw badRange("give either window or since/until, not both");
  const until = range.until ?? new Date(now).toISOString();
  const since = range.since ?? new Date(Date.parse(until) - DAY_MS).toISOString();
  if (since >= until) throw badRange("since must be before until");
  if (Date.parse(until) - Date.parse(since) > MAX_WINDOW_MS) throw badRange("the window may span 90 days at most");
  return { since, until };
}

const badRange = (message: string) => new AppError(400, "bad_request", `Invalid metrics window: ${message}`, { field: "window" });

export async function accountMetrics(
  index: ExecutionIndex,
  accountId: string,
  range: MetricsRange,
  now: number,
): Promise<AccountMetricsView> {
  const window = resolveWindow(range, now);
  return { ...window, ...(await index.metrics(accountId, window)) };
}

/**
 * The operator's figures in the Prometheus text exposition format 0.0.4: gauges, since they are
 * counts read from the index at scrape time (runs of the last day, accounts and flows).
 */
export function prometheusText(metrics: ServiceMetrics): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: [labels: string, value: number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  gauge(
    "flowrunner_runs_last_24h",
    "Runs created in the last 24 hours, by current status.",
    EXECUTION_STATUSES.map((status) => [`{status="${status}"}`, metrics.recent_runs[status] ?? 0]),
  );
  gauge("flowrunner_accounts", "Accounts.", [["", metrics.accounts]]);
  gauge("flowrunner_flows", "Flows stored, across accounts.", [["", metrics.flows]]);
  gauge("flowrunner_metrics_truncated", "1 when the figures come from a bounded read that stopped early (DynamoDB).", [
    ["", metrics.truncated ? 1 : 0],
  ]);
  return `${lines.join("\n")}\n`;
}

export async function serviceMetricsText(index: ExecutionIndex, now: number): Promise<string> {
  return prometheusText(await index.serviceMetrics(new Date(now - DAY_MS).toISOString()));
}
