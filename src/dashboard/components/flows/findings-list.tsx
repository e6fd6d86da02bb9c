/** The validator's findings under the editor; a click puts the cursor on the line. */
import type { FlowIssue } from "./flow-types";

export function FindingsList({
  errors,
  warnings,
  onJump,
}: {
  errors: FlowIssue[];
  warnings: FlowIssue[];
  onJump: (issue: FlowIssue) => void;
}) {
  const all = [...errors.map((issue) => ({ issue, severity: "error" })), ...warnings.map((issue) => ({ issue, severity: "warning" }))];
  if (all.length === 0) return null;
  return (
    <ul class="findings" aria-label="Findings">
      {all.map(({ issue, severity }, i) => (
        <li key={i} data-severity={severity}>
          <button type="button" onClick={() => onJump(issue)} title={issue.code}>
            <span class={`severity-${severity}`}>{severity}</span>
            <span class="where">{issue.line > 0 ? `line ${issue.line}:${issue.column}` : "whole flow"}</span>
            <span>{issue.message}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
