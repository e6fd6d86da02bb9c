/** Two texts side by side as one column of lines: removed in red, added in green, long unchanged runs folded. */
import { useMemo, useState } from "preact/hooks";
import { diffLines, diffStats, foldUnchanged, type DiffRow } from "./line-diff";

export function DiffView({
  oldText,
  newText,
  oldLabel,
  newLabel,
}: {
  oldText: string;
  newText: string;
  oldLabel: string;
  newLabel: string;
}) {
  const [unfolded, setUnfolded] = useState(false);
  const lines = useMemo(() => diffLines(oldText, newText), [oldText, newText]);
  const stats = diffStats(lines);
  const rows: DiffRow[] = useMemo(() => (unfolded ? lines : foldUnchanged(lines)), [lines, unfolded]);
  const same = stats.added === 0 && stats.removed === 0;
  return (
    <div class="stack" data-testid="diff">
      <div class="diff-summary">
        <span>
          <strong>{oldLabel}</strong> → <strong>{newLabel}</strong>
        </span>
        {same ? (
          <span class="muted">No differences</span>
        ) : (
          <>
            <span class="diff-added-count" title="lines added">
              +{stats.added}
            </span>
            <span class="diff-removed-count" title="lines removed">
              −{stats.removed}
            </span>
          </>
        )}
        {!same && rows.length !== lines.length && (
          <button type="button" class="ghost" onClick={() => setUnfolded(true)}>
            Show all lines
          </button>
        )}
      </div>
      {!same && (
        <div class="code-view diff">
          <table>
            <tbody>
              {rows.map((row, i) =>
                row.kind === "skipped" ? (
                  <tr key={i} class="skipped">
                    <td class="ln" />
                    <td class="ln" />
                    <td class="sign" />
                    <td>
                      ⋯ {row.count} unchanged line{row.count === 1 ? "" : "s"}
                    </td>
                  </tr>
                ) : (
                  <tr key={i} class={row.kind} data-kind={row.kind}>
                    <td class="ln">{row.kind !== "added" ? row.oldLine : ""}</td>
                    <td class="ln">{row.kind !== "removed" ? row.newLine : ""}</td>
                    <td class="sign">{row.kind === "added" ? "+" : row.kind === "removed" ? "−" : ""}</td>
                    <td class="text">{row.text || " "}</td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
