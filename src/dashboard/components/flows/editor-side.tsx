/** What the editor says about the text: its validity under the editor, its graph beside it. */
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../../lib/api";
import type { FlowGraph } from "../../lib/flow-graph";
import { GraphView } from "../graph-view";
import type { Validated } from "./use-validation";

export function EditorStatus({ validated, current }: { validated: Validated | null; current: boolean }) {
  const result = validated?.result;
  let state;
  if (!validated || !current) state = <span class="muted">Checking…</span>;
  else if (validated.error) state = <span class="bad">Could not check: {describeError(validated.error)}</span>;
  else if (result && result.errors.length > 0) state = <span class="bad">{count(result.errors.length, "error")}</span>;
  else state = <span class="ok">Valid</span>;
  return (
    <div class="editor-status" aria-live="polite" data-testid="editor-status">
      <span>
        {state}
        {current && result && result.warnings.length > 0 && <span class="muted"> · {count(result.warnings.length, "warning")}</span>}
      </span>
      <span class="muted">Ctrl+Space completes · Ctrl+S saves</span>
    </div>
  );
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** The graph of the text as last checked; while the text is invalid, the last valid graph, faded. */
export function EditorPreview({ validated }: { validated: Validated | null }) {
  const [lastGraph, setLastGraph] = useState<FlowGraph | null>(null);
  const graph = validated?.result?.graph ?? null;
  useEffect(() => {
    if (graph) setLastGraph(graph);
  }, [graph]);
  const stale = !graph && lastGraph !== null;
  return (
    <section class="preview panel" aria-label="Preview">
      <h2>Preview</h2>
      {lastGraph ? (
        <div style={{ opacity: stale ? 0.45 : 1 }}>
          {stale && <p class="muted">The flow has errors: this is its last valid graph.</p>}
          <GraphView graph={graph ?? lastGraph} />
        </div>
      ) : (
        <p class="muted">The graph appears here once the flow is valid.</p>
      )}
    </section>
  );
}
