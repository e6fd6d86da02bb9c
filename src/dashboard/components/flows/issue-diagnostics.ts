/** The validator's findings (1-based line and column) as CodeMirror diagnostics (character ranges). */
import type { Text } from "@codemirror/state";
import type { Diagnostic } from "@codemirror/lint";
import type { FlowIssue } from "./flow-types";

export type Severity = "error" | "warning";

/** The offset of a 1-based line and column, kept inside the document. */
export function offsetOf(doc: Text, line: number, column: number): number {
  if (line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const at = doc.line(line);
  return Math.min(at.from + Math.max(column - 1, 0), at.to);
}

/**
 * Marks from the issue's column to the end of the word or value there (the rest of the line at most),
 * so a misspelt node type is underlined as a whole; an issue on an empty line marks its start.
 */
export function issueRange(doc: Text, issue: FlowIssue): { from: number; to: number } {
  const from = offsetOf(doc, issue.line, issue.column);
  if (issue.line < 1 || issue.line > doc.lines) return { from, to: from };
  const line = doc.line(issue.line);
  const rest = doc.sliceString(from, line.to);
  const token = /^[^\s:,#[\]{}]+/.exec(rest)?.[0] ?? rest.trimEnd();
  return { from, to: from + (token.length || 0) };
}

export function toDiagnostics(doc: Text, errors: FlowIssue[], warnings: FlowIssue[]): Diagnostic[] {
  const one = (issue: FlowIssue, severity: Severity): Diagnostic => {
    const range = issueRange(doc, issue);
    // "unknown node type 'transfrom' … (did you mean 'transform'?)": offer the fix when the mark is that word.
    const [, wrong, right] = /'([^']+)'.*\(did you mean '([^']+)'\?\)/.exec(issue.message) ?? [];
    const fixable = wrong !== undefined && right !== undefined && doc.sliceString(range.from, range.to) === wrong;
    return {
      ...range,
      severity,
      source: issue.code,
      message: issue.message,
      actions: fixable
        ? [{ name: `Use '${right}'`, apply: (view, from, to) => view.dispatch({ changes: { from, to, insert: right } }) }]
        : undefined,
    };
  };
  return [...errors.map((e) => one(e, "error")), ...warnings.map((w) => one(w, "warning"))];
}
