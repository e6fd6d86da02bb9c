/** Collects issues and gives each its source position as it is added. */
import type { BudgetLimit } from "../input-budget";
import type { Anchor, PathSegment, SourceLocator } from "./positions";
import type { FlowIssue } from "./types";
import type { MappedIssue } from "./zod-issues";

/**
 * A broken 1 MiB flow can produce tens of thousands of issues; past this many
 * nobody reads them, and the response would be megabytes.
 */
export const MAX_ISSUES = 200;

function byPosition(a: FlowIssue, b: FlowIssue): number {
  return a.line - b.line || a.column - b.column;
}

function capped(issues: FlowIssue[], kind: string): FlowIssue[] {
  const sorted = [...issues].sort(byPosition);
  if (sorted.length <= MAX_ISSUES) return sorted;
  const shown = sorted.slice(0, MAX_ISSUES - 1);
  const next = sorted[MAX_ISSUES - 1]!;
  const message = `${sorted.length - shown.length} more ${kind} not shown`;
  return [...shown, { code: "too_many_issues", message, path: next.path, line: next.line, column: next.column }];
}

export class IssueSink {
  private readonly errorList: FlowIssue[] = [];
  private readonly warningList: FlowIssue[] = [];
  private readonly seen = new Set<string>();

  private readonly locator: SourceLocator;

  constructor(locator: SourceLocator) {
    this.locator = locator;
  }

  get errorCount(): number {
    return this.errorList.length;
  }

  error(code: string, message: string, path: PathSegment[], anchor: Anchor = "value"): void {
    this.add(this.errorList, code, message, path, anchor);
  }

  /** An input budget entry the flow broke (`limit_exceeded`, naming the entry). */
  overLimit(limit: BudgetLimit, message: string, path: PathSegment[], anchor: Anchor = "value"): void {
    this.add(this.errorList, "limit_exceeded", message, path, anchor, limit);
  }

  warn(code: string, message: string, path: PathSegment[], anchor: Anchor = "value"): void {
    this.add(this.warningList, code, message, path, anchor);
  }

  errors(issues: readonly MappedIssue[]): void {
    for (const issue of issues) this.error(issue.code, issue.message, issue.path, issue.anchor);
  }

  /** Issues already positioned elsewhere (the parser's warnings). */
  addWarnings(issues: readonly FlowIssue[]): void {
    this.warningList.push(...issues);
  }

  /** Sorted by position, so they read top to bottom like the file. */
  result(): { errors: FlowIssue[]; warnings: FlowIssue[] } {
    return { errors: capped(this.errorList, "errors"), warnings: capped(this.warningList, "warnings") };
  }

  private add(list: FlowIssue[], code: string, message: string, path: PathSegment[], anchor: Anchor, limit?: BudgetLimit): void {
    // Cross-param rules run both inside the zod schema and on their own; report each once.
    const key = `${code}\u0000${message}\u0000${path.join("\u0000")}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const { line, column } = this.locator.locate(path, anchor);
    list.push({ code, message, path: [...path], line, column, ...(limit ? { limit } : {}) });
  }
}
