/** What a run is at a glance: its flow, status, trigger, times, usage and error, with Cancel and Rerun. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { formatDuration, formatTime } from "../../lib/format";
import { Dialog, ErrorBox, Link, StatusBadge } from "../common";
import type { LinkState } from "./use-run-live";
import { isFinal, runDuration, type Execution } from "./types";

export function RunFacts({ execution, flowName, now }: { execution: Execution; flowName: string | null; now: number }) {
  const tokens = execution.usage ? usageText(execution.usage) : null;
  return (
    <div class="panel run-facts">
      <dl class="facts">
        <Fact label="Flow">
          <Link to={`/flows/${encodeURIComponent(execution.flow_id)}`}>{flowName ?? execution.flow_id}</Link>{" "}
          <span class="badge" title="The flow version this run is pinned to">
            v{execution.flow_version}
          </span>
        </Fact>
        <Fact label="Status">
          <StatusBadge status={execution.status} />
        </Fact>
        <Fact label="Trigger">
          <Trigger trigger={execution.trigger} parentId={execution.parent_id} />
        </Fact>
        <Fact label="Started">
          <span title={execution.created_at}>{formatTime(execution.created_at)}</span>
        </Fact>
        <Fact label="Finished">
          <span title={execution.finished_at ?? ""}>{execution.finished_at ? formatTime(execution.finished_at) : "—"}</span>
        </Fact>
        <Fact label="Duration">
          <span data-testid="run-duration">
            {formatDuration(Math.max(0, runDuration(execution.created_at, execution.finished_at, now)))}
            {!execution.finished_at && <span class="muted"> so far</span>}
          </span>
        </Fact>
        <Fact label="Steps">
          <span data-testid="run-steps">{execution.step_count.toLocaleString()}</span>
        </Fact>
        <Fact label="LLM tokens">{tokens ?? <span class="muted">none</span>}</Fact>
      </dl>
      {execution.error && (
        <div class="error-box run-error" role="alert">
          <strong>
            {execution.status === "cancelled" ? "Cancelled" : "Failed"}
            {execution.error.node_id ? ` at ${execution.error.node_id}` : ""}
          </strong>
          <p>{execution.error.message}</p>
          <code class="muted">{execution.error.code}</code>
        </div>
      )}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** `rerun:<id>` links the original run; `<type>:<trigger id>` shows the type and the id. */
function Trigger({ trigger, parentId }: { trigger: string; parentId: string | null }) {
  const [type, id] = splitTrigger(trigger);
  return (
    <span class="row trigger">
      <span class="badge">{type}</span>
      {type === "rerun" && id ? (
        <Link to={`/runs/${encodeURIComponent(id)}`} class="mono">
          {id}
        </Link>
      ) : (
        id && <span class="mono muted">{id}</span>
      )}
      {parentId && (
        <span class="muted">
          of{" "}
          <Link to={`/runs/${encodeURIComponent(parentId)}`} class="mono">
            {parentId}
          </Link>
        </span>
      )}
    </span>
  );
}

export function splitTrigger(trigger: string): [string, string | null] {
  const at = trigger.indexOf(":");
  return at < 0 ? [trigger, null] : [trigger.slice(0, at), trigger.slice(at + 1)];
}

export function usageText(usage: Record<string, number>): string {
  if (usage.total_tokens !== undefined) {
    const parts = [`${usage.total_tokens.toLocaleString()} total`];
    if (usage.prompt_tokens !== undefined) parts.push(`${usage.prompt_tokens.toLocaleString()} prompt`);
    if (usage.completion_tokens !== undefined) parts.push(`${usage.completion_tokens.toLocaleString()} completion`);
    return parts.join(" · ");
  }
  return Object.entries(usage)
    .map(([name, value]) => `${name}: ${value.toLocaleString()}`)
    .join(" · ");
}

export function LiveIndicator({ link, final }: { link: LinkState; final: boolean }) {
  const label = link === "live" ? (final ? "Connected" : "Live") : link === "reconnecting" ? "Reconnecting…" : "Connecting…";
  return (
    <span class={`live live-${link}`} data-live={link} role="status" title="Updates arrive over the run's WebSocket">
      <span class="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** Cancel, after a confirmation; shown only while the run can still be cancelled. */
export function CancelButton({ execution, onDone }: { execution: Execution; onDone: () => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (isFinal(execution.status)) return null;
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      await call<Execution>(`/api/v1/executions/${encodeURIComponent(execution.id)}`, { method: "DELETE" });
      setAsking(false);
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Cancel
      </button>
      {asking && (
        <Dialog title="Cancel this run?" onClose={() => setAsking(false)}>
          <p>
            Steps in flight are aborted and waits are stopped. The run ends as <strong>cancelled</strong>; this cannot be undone.
          </p>
          <ErrorBox error={error} title="The run could not be cancelled" />
          <div class="row dialog-actions">
            <button type="button" onClick={() => setAsking(false)} disabled={busy}>
              Keep running
            </button>
            <button type="button" class="primary danger-fill" onClick={cancel} disabled={busy}>
              {busy ? "Cancelling…" : "Cancel run"}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
