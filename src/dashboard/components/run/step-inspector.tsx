/**
 * One node of the run up close: the selected step (by default the node's latest) with its input,
 * output, error, timings and token usage; every attempt and visit of the node; its log lines; and the
 * text its model streams while the run is watched.
 */
import { useState } from "preact/hooks";
import { formatDuration, formatJson, formatTime } from "../../lib/format";
import { ErrorBox, Json, StatusBadge } from "../common";
import type { NodeState } from "../graph-view";
import { usageText } from "./run-header";
import { isTruncated, type Step } from "./types";
import { useFullStep, useNodeLogs } from "./use-step-details";

type Tab = "input" | "output" | "logs" | "attempts";

export interface StepInspectorProps {
  executionId: string;
  nodeId: string;
  nodeType: string | null;
  state: NodeState;
  /** Every step of the node, in order. */
  steps: Step[];
  selectedSeq: number | null;
  onSelectStep: (step: Step) => void;
  onClose: () => void;
  stream: string | undefined;
  /** Changes as the run records things: logs follow it. */
  cue: number;
}

export function StepInspector(props: StepInspectorProps) {
  const { executionId, nodeId, nodeType, state, steps, selectedSeq, onSelectStep, onClose, stream, cue } = props;
  const [tab, setTab] = useState<Tab>("output");
  const step = steps.find((s) => s.seq === selectedSeq) ?? steps.at(-1) ?? null;
  const full = useFullStep(executionId, step);
  const shown = full.step ?? step;
  const { logs, error: logsError } = useNodeLogs(executionId, nodeId, cue);
  const total = steps.reduce((sum, s) => sum + (s.duration_ms ?? 0), 0);

  return (
    <section class="panel inspector" data-testid="inspector" data-node={nodeId} aria-label={`Node ${nodeId}`}>
      <header class="inspector-head">
        <div class="row">
          <h2 class="mono">{nodeId}</h2>
          {nodeType && <span class="badge">{nodeType}</span>}
          <StatusBadge status={state} />
        </div>
        <button type="button" class="ghost" aria-label="Close the inspector" onClick={onClose}>
          ×
        </button>
      </header>
      {!step || !shown ? (
        <p class="muted">This node has not run{state === "pending" ? " (yet)" : ""}.</p>
      ) : (
        <>
          <dl class="facts compact">
            <div>
              <dt>Step</dt>
              <dd>
                #{shown.seq} · attempt {shown.attempt}
              </dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={shown.status} />
                {shown.action && <span class="muted"> → {shown.action}</span>}
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd title={shown.started_at}>{formatTime(shown.started_at)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{shown.duration_ms !== null ? formatDuration(shown.duration_ms) : "running…"}</dd>
            </div>
            {steps.length > 1 && (
              <div>
                <dt>All {steps.length} steps</dt>
                <dd>{formatDuration(total)}</dd>
              </div>
            )}
            <div>
              <dt>LLM tokens</dt>
              <dd>{shown.usage ? usageText(shown.usage) : <span class="muted">none</span>}</dd>
            </div>
          </dl>
          {shown.error && <StepError error={shown.error} status={shown.status} />}
          {stream && (shown.status === "running" || shown.status === "waiting") && (
            <div class="stream" aria-label="Streamed text" aria-live="polite">
              <h3>Streaming</h3>
              <pre class="json">{stream}</pre>
            </div>
          )}
          <div class="tabs" role="tablist">
            {(["input", "output", "logs", "attempts"] as const).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
                {TAB_LABEL[t]}
                {t === "logs" && logs.length > 0 ? ` (${logs.length})` : ""}
                {t === "attempts" ? ` (${steps.length})` : ""}
              </button>
            ))}
          </div>
          <div role="tabpanel" class="inspector-body">
            {tab === "input" && <Value value={shown.input} loading={full.loading} label="Input" />}
            {tab === "output" && <Value value={shown.output} loading={full.loading} label="Output" />}
            {full.error !== null && <ErrorBox error={full.error} title="The whole value could not be loaded" />}
            {tab === "logs" && (
              <>
                <ErrorBox error={logsError} title="Logs could not be loaded" />
                <LogList logs={logs} />
              </>
            )}
            {tab === "attempts" && <Attempts steps={steps} selected={shown.seq} onSelect={onSelectStep} />}
          </div>
        </>
      )}
    </section>
  );
}

const TAB_LABEL: Record<Tab, string> = { input: "Input", output: "Output", logs: "Logs", attempts: "Attempts" };

function StepError({ error, status }: { error: NonNullable<Step["error"]>; status: string }) {
  return (
    <div class="error-box step-error" role="alert">
      <strong>{status === "retrying" ? "This attempt failed and was retried" : status === "cancelled" ? "Stopped" : "Failed"}</strong>
      <p data-testid="step-error-message">{error.message}</p>
      <code class="muted">{error.code}</code>
      {error.details !== undefined && error.details !== null && <pre class="json">{formatJson(error.details)}</pre>}
    </div>
  );
}

function Value({ value, loading, label }: { value: unknown; loading: boolean; label: string }) {
  if (isTruncated(value)) {
    return (
      <div class="stack">
        <p class="muted">
          {loading ? "Loading the whole value…" : "A preview"} ({value.size.toLocaleString()} characters of JSON):
        </p>
        <pre class="json" aria-label={label}>
          {value.preview}
        </pre>
      </div>
    );
  }
  return <Json value={value} label={label} />;
}

function LogList({ logs }: { logs: { seq: number; time: string; level: string; message: string; data: unknown }[] }) {
  if (logs.length === 0) return <p class="muted">No log lines.</p>;
  return (
    <ol class="logs" aria-label="Logs">
      {logs.map((line) => (
        <li key={line.seq} class={`log log-${line.level}`}>
          <time title={line.time}>{new Date(line.time).toLocaleTimeString()}</time>
          <span class="log-level">{line.level}</span>
          <span class="log-message">{line.message}</span>
          {line.data !== null && line.data !== undefined && <code class="log-data">{JSON.stringify(line.data)}</code>}
        </li>
      ))}
    </ol>
  );
}

function Attempts({ steps, selected, onSelect }: { steps: Step[]; selected: number; onSelect: (step: Step) => void }) {
  return (
    <table class="attempts">
      <thead>
        <tr>
          <th>Step</th>
          <th>Attempt</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr key={s.seq} class={s.seq === selected ? "selected" : ""} onClick={() => onSelect(s)}>
            <td>
              <button type="button" class="link" onClick={() => onSelect(s)}>
                #{s.seq}
              </button>
            </td>
            <td>{s.attempt}</td>
            <td>
              <StatusBadge status={s.status} />
            </td>
            <td title={s.started_at}>{new Date(s.started_at).toLocaleTimeString()}</td>
            <td>{formatDuration(s.duration_ms)}</td>
            <td class="muted">{s.error ? `${s.error.code}: ${s.error.message}` : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
