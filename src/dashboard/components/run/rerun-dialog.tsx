/**
 * Rerun from a chosen node with an input edited as JSON. The input starts as what that node received
 * the first time it ran in this run (the run input for the start), as the API would use by default.
 */
import { useEffect, useState } from "preact/hooks";
import { call, get } from "../../lib/api";
import type { FlowGraph } from "../../lib/flow-graph";
import { formatJson } from "../../lib/format";
import { navigate } from "../../lib/router";
import { Dialog, ErrorBox } from "../common";
import { parseJson } from "./parse-json";
import type { Execution, StepList } from "./types";

const FROM_START = "";

export function RerunDialog({
  execution,
  graph,
  initialNode,
  onClose,
}: {
  execution: Execution;
  graph: FlowGraph | null;
  initialNode: string | null;
  onClose: () => void;
}) {
  const [node, setNode] = useState(initialNode ?? FROM_START);
  const [original, setOriginal] = useState<{ text: string; ran: boolean } | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let alive = true;
    setOriginal(null);
    const load = async (): Promise<{ text: string; ran: boolean }> => {
      if (node === FROM_START) return { text: formatJson(execution.input), ran: true };
      const { steps } = await get<StepList>(`/api/v1/executions/${encodeURIComponent(execution.id)}/steps`, {
        node_id: node,
        limit: 1,
        full: "true",
      });
      return steps[0] ? { text: formatJson(steps[0].input), ran: true } : { text: "{}", ran: false };
    };
    load().then(
      (found) => {
        if (!alive) return;
        setOriginal(found);
        setText(found.text);
      },
      (caught: unknown) => alive && setError(caught),
    );
    return () => {
      alive = false;
    };
  }, [node, execution.id, execution.input]);

  const parsed = parseJson(text);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!parsed.ok || !original) return;
    setBusy(true);
    setError(null);
    // An unchanged input is left to the server, which has the whole value even where we saw a preview.
    const body: { from_node?: string; input?: unknown } = {};
    if (node !== FROM_START) body.from_node = node;
    if (text !== original.text || !original.ran) body.input = parsed.value;
    try {
      const answer = await call<Execution>(`/api/v1/executions/${encodeURIComponent(execution.id)}/rerun`, { method: "POST", json: body });
      onClose();
      navigate(`/runs/${encodeURIComponent(answer.data.id)}`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <Dialog title="Rerun" onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <p class="muted">
          A new run of version {execution.flow_version} starts at the node you choose. Nodes that completed before it keep their recorded
          outputs and do not run again.
        </p>
        <label>
          Start at
          <select value={node} onChange={(e) => setNode((e.currentTarget as HTMLSelectElement).value)}>
            <option value={FROM_START}>The start of the flow{graph ? ` (${graph.start})` : ""}</option>
            {(graph?.nodes ?? []).map((n) => (
              <option key={n.id} value={n.id}>
                {n.id} ({n.type}){n.id === execution.error?.node_id ? " — failed" : ""}
              </option>
            ))}
          </select>
        </label>
        <label>
          Input (JSON)
          <textarea
            value={text}
            rows={10}
            spellcheck={false}
            disabled={!original}
            aria-invalid={!parsed.ok}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        {original && !original.ran && <p class="muted">This node did not run in this run: give it the input it should start with.</p>}
        {!parsed.ok && <p class="field-error">Not valid JSON: {parsed.message}</p>}
        <ErrorBox error={error} title="The run could not be started" />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" class="primary" disabled={busy || !parsed.ok || !original}>
            {busy ? "Starting…" : "Start rerun"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
