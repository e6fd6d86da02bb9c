/**
 * How a run is shown: one line per finished (or paused) step, log lines,
 * a spinner on a terminal, and the final status with the output.
 */
import { FINAL_STATUSES } from "../engine/types";
import type { ExecutionView as Execution, RunError } from "../services/execution-schemas";
import { EXIT } from "./_command";
import { c, err, formatDuration, out, printJson } from "./_output";

/** Final statuses, as strings: the CLI also tests event names (`execution.<status>`) against them. */
export const FINAL: ReadonlySet<string> = new Set(FINAL_STATUSES);

// The API's own types (z.infer of its response schemas); type-only, so no zod in the CLI bundle.
export type { ExecutionView as Execution, RunError } from "../services/execution-schemas";

/** A WebSocket event, or one made up from step records and log lines when polling. */
export interface WatchEvent {
  seq?: number;
  at?: string;
  type: string;
  node_id: string | null;
  data: Record<string, unknown>;
}

export function exitCodeFor(status: string): number {
  return status === "completed" ? EXIT.ok : status === "failed" ? EXIT.failed : EXIT.other;
}

const GLYPH: Record<string, string> = { completed: "✓", failed: "✗", retrying: "↻", waiting: "…", cancelled: "⊘" };
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function colour(status: string, text: string): string {
  if (status === "completed") return c.green(text);
  if (status === "failed") return c.red(text);
  if (status === "retrying" || status === "waiting" || status === "cancelled") return c.yellow(text);
  return text;
}

function describeError(error: unknown): string {
  const e = error as RunError | null | undefined;
  if (!e) return "";
  return `${e.code}: ${e.message}`;
}

function describeWait(data: Record<string, unknown>): string {
  if (typeof data.event === "string") return `event '${data.event}'${data.timeout_at ? ` (until ${String(data.timeout_at)})` : ""}`;
  if (typeof data.until === "string") return `until ${data.until}`;
  if (typeof data.flow_id === "string") return `sub-flow ${data.flow_id}`;
  if (typeof data.state === "string") return describeState(data as { state: string; event?: string });
  return "";
}

export function describeState(wait: { state: string; event?: string }): string {
  if (wait.state === "waiting_event") return `waiting for event '${wait.event ?? "?"}'`;
  if (wait.state === "waiting_child") return "waiting for a sub-flow";
  if (wait.state === "retry_wait") return "waiting to retry";
  return wait.state.replace(/_/g, " ");
}

/** Prints events as they come; tracks open steps for the spinner and for the final summary. */
export class RunRenderer {
  private readonly open = new Map<number, { node: string; started: number }>();
  private readonly waiting = new Map<string, string>();
  private steps = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private spinnerShown = false;
  private readonly startedAt = Date.now();

  constructor(private readonly json: boolean) {
    if (!json && process.stderr.isTTY && !process.env.CI) {
      this.timer = setInterval(() => this.spin(), 100);
      this.timer.unref();
    }
  }

  private line(text: string): void {
    this.clearSpinner();
    out(text);
  }

  private clearSpinner(): void {
    if (this.spinnerShown) process.stderr.write("\r\x1b[K");
    this.spinnerShown = false;
  }

  private spin(): void {
    const nodes = [...new Set([...this.open.values()].map((s) => s.node))].filter((n) => !this.waiting.has(n));
    const waits = [...this.waiting.entries()].map(([node, what]) => `${node} waiting${what ? ` (${what})` : ""}`);
    const doing = [nodes.length ? `running ${nodes.join(", ")}` : "", ...waits].filter(Boolean).join("; ") || "working";
    const frame = SPINNER[this.frame++ % SPINNER.length]!;
    const text = `${frame} ${doing} · ${this.steps} steps · ${formatDuration(Date.now() - this.startedAt)}`;
    process.stderr.write(`\r\x1b[K${c.blue(text.slice(0, (process.stderr.columns || 100) - 1), process.stderr)}`);
    this.spinnerShown = true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clearSpinner();
  }

  header(execution: Execution): void {
    if (this.json) return;
    this.line(c.bold(`${execution.id}  flow ${execution.flow_id} v${execution.flow_version}  ${execution.status}`));
  }

  private step(status: string, node: string, duration: number | null | undefined, detail: string): void {
    this.steps += status === "waiting" ? 0 : 1;
    const glyph = process.stdout.isTTY ? `${colour(status, GLYPH[status] ?? "•")} ` : "";
    const dur = duration === null || duration === undefined ? "" : formatDuration(duration);
    this.line(`${glyph}${node.padEnd(16)} ${colour(status, status.padEnd(9))} ${dur.padStart(7)}  ${detail}`.trimEnd());
  }

  event(event: WatchEvent): void {
    if (this.json) {
      out(JSON.stringify({ type: "event", event }));
      return;
    }
    const at = event.at ? Date.parse(event.at) : Date.now();
    const node = event.node_id ?? "";
    const data = event.data ?? {};
    const seq = typeof data.step === "number" ? data.step : undefined;
    const since = (s: number | undefined) => (s !== undefined && this.open.has(s) ? at - this.open.get(s)!.started : undefined);
    switch (event.type) {
      case "step.started":
        if (seq !== undefined) this.open.set(seq, { node, started: at });
        return;
      case "step.completed": {
        const duration = typeof data.duration_ms === "number" ? data.duration_ms : since(seq);
        this.close(seq, node);
        return this.step("completed", node, duration, `→ ${String(data.action)}`);
      }
      case "step.failed":
      case "step.retrying":
      case "step.cancelled": {
        const status = event.type.slice(5);
        const duration = since(seq);
        this.close(seq, node);
        const retry = status === "retrying" ? ` (attempt ${String(data.attempt)}, retry in ${formatDuration(Number(data.delay_ms))})` : "";
        return this.step(status, node, duration, describeError(data.error) + retry);
      }
      case "step.waiting": {
        const what = describeWait(data);
        this.waiting.set(node, what);
        return this.step("waiting", node, null, what);
      }
      case "log": {
        const level = String(data.level ?? "info");
        const text = `  [${level}] ${node ? `${node}: ` : ""}${String(data.message ?? "")}`;
        return this.line(level === "error" ? c.red(text) : level === "warn" ? c.yellow(text) : c.gray(text));
      }
      default:
        return;
    }
  }

  private close(seq: number | undefined, node: string): void {
    if (seq !== undefined) this.open.delete(seq);
    this.waiting.delete(node);
  }

  /** Steps still open when the run ended were stopped with it. */
  closeOpenSteps(status: string): void {
    if (this.json || status === "completed") return;
    for (const step of this.open.values()) this.step("cancelled", step.node, null, status === "cancelled" ? "run cancelled" : "stopped");
    this.open.clear();
    this.waiting.clear();
  }
}

/** Final line and output of a run; answers the exit code. */
export function printOutcome(execution: Execution, json: boolean, { stream = false } = {}): number {
  if (json) {
    if (stream) out(JSON.stringify({ type: "execution", execution }));
    else printJson(execution);
    return exitCodeFor(execution.status);
  }
  const took = execution.finished_at ? ` in ${formatDuration(Date.parse(execution.finished_at) - Date.parse(execution.created_at))}` : "";
  const tokens = execution.usage?.total_tokens;
  const steps = `${execution.step_count} step${execution.step_count === 1 ? "" : "s"}${tokens === undefined ? "" : `, ${tokens} tokens`}`;
  if (execution.status === "completed") {
    out(c.green(`completed${took} (${steps})`));
    out(JSON.stringify(execution.output ?? null, null, 2));
  } else if (FINAL.has(execution.status)) {
    const e = execution.error;
    const where = e?.node_id ? ` (node ${e.node_id})` : "";
    out(colour(execution.status, `${execution.status}${took} (${steps})${e ? `: ${e.code}: ${e.message}${where}` : ""}`));
  } else {
    const waits = (execution.waiting_for ?? []).map((w) => `${w.node_id} ${describeState(w)}`);
    out(c.yellow(`${execution.id} is ${execution.status}${waits.length ? `: ${waits.join(", ")}` : ""}`));
    err(`hint: flowrunner executions get ${execution.id} --wait 60`);
  }
  return exitCodeFor(execution.status);
}
