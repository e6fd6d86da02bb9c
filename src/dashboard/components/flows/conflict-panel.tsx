/**
 * A save refused with 412: someone saved the flow since it was opened. The user's text stays in the
 * editor; they can compare it with the saved version, save theirs over it, or load the saved one.
 */
import { useState } from "preact/hooks";
import { DiffView } from "./diff-view";

export interface Conflict {
  /** The version saved meanwhile. */
  version: number;
  etag: string;
  content: string;
  /** The version the editor was opened at. */
  base: number;
}

export function ConflictPanel({
  conflict,
  mine,
  saving,
  onOverwrite,
  onLoadTheirs,
}: {
  conflict: Conflict;
  mine: string;
  saving: boolean;
  onOverwrite: () => void;
  onLoadTheirs: () => void;
}) {
  const [comparing, setComparing] = useState(false);
  return (
    <div class="conflict" role="alert" data-testid="conflict">
      <strong>This flow was changed while you were editing it</strong>
      <p>
        Version {conflict.version} was saved after you opened version {conflict.base}, so your save was refused and nothing was overwritten.
        Your text is still here, unsaved.
      </p>
      <div class="row">
        <button type="button" onClick={() => setComparing(!comparing)} aria-expanded={comparing}>
          {comparing ? "Hide the comparison" : `Compare with version ${conflict.version}`}
        </button>
        <button type="button" class="primary" disabled={saving} onClick={onOverwrite}>
          Save mine as version {conflict.version + 1}
        </button>
        <button type="button" class="danger" onClick={onLoadTheirs}>
          Load version {conflict.version} instead
        </button>
      </div>
      {comparing && (
        <div style={{ marginTop: "10px" }}>
          <DiffView oldText={conflict.content} newText={mine} oldLabel={`version ${conflict.version}`} newLabel="your text" />
        </div>
      )}
    </div>
  );
}
