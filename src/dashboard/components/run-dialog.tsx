/**
 * Starting a run of a flow: its input as JSON, checked as it is typed, then POST /flows/{id}/run and on
 * to the run's page. The server's refusals (an input the flow's schema rejects, a disabled account…)
 * stay in the dialog with the input, so it can be corrected.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { call } from "../lib/api";
import { navigate } from "../lib/router";
import { Dialog, ErrorBox } from "./common";
import { readJsonInput } from "./json-input";
import type { Execution } from "./run/types";
import "./run-dialog.css";

export interface RunDialogProps {
  flowId: string;
  /** Shown in the title. */
  flowName?: string;
  /** The input the textarea starts with, e.g. an earlier run's; `{}` by default. */
  initialInput?: unknown;
  onClose: () => void;
}

export function RunDialog({ flowId, flowName, initialInput, onClose }: RunDialogProps) {
  const [text, setText] = useState(() => JSON.stringify(initialInput ?? {}, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const parsed = useMemo(() => readJsonInput(text), [text]);

  useEffect(() => area.current?.focus(), []);

  async function start() {
    if (!parsed.ok || starting) return;
    setStarting(true);
    setError(null);
    try {
      const { data } = await call<Execution>(`/api/v1/flows/${encodeURIComponent(flowId)}/run`, {
        method: "POST",
        json: { input: parsed.value },
      });
      navigate(`/runs/${encodeURIComponent(data.id)}`);
    } catch (caught) {
      setError(caught);
      setStarting(false);
    }
  }

  return (
    <Dialog title={flowName ? `Run ${flowName}` : "Run flow"} onClose={onClose}>
      <form
        class="run-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label>
          Input (JSON)
          <textarea
            ref={area}
            value={text}
            spellcheck={false}
            aria-invalid={!parsed.ok}
            aria-describedby="run-input-help"
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void start();
              }
            }}
          />
        </label>
        {parsed.ok ? (
          <p id="run-input-help" class="muted hint">
            The flow reads this as <code>input</code>. Empty means <code>{"{}"}</code>. Ctrl+Enter starts the run.
          </p>
        ) : (
          <p id="run-input-help" class="parse-error" role="status">
            Not valid JSON at line {parsed.line}, column {parsed.column}: {parsed.message}
          </p>
        )}
        <ErrorBox error={error} title="The run was not started" />
        <footer>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={!parsed.ok || starting}>
            {starting ? "Starting…" : "Run"}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
