/** One flow: what it is, whether its triggers start runs, and its graph, YAML, versions and runs. */
import { useState } from "preact/hooks";
import { Dialog, ErrorBox, Loading, PageHeader } from "../components/common";
import { CodeView } from "../components/flows/code-view";
import { flowPath, type FlowDetail } from "../components/flows/flow-types";
import { GraphTab } from "../components/flows/graph-tab";
import { RunsTab } from "../components/flows/runs-tab";
import { TagChip } from "../components/flows/tag-chip";
import { VersionsTab } from "../components/flows/versions-tab";
import { RunDialog } from "../components/run-dialog";
import { call } from "../lib/api";
import { formatAgo, formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import { useApi } from "../lib/use-api";
import type { PageProps } from "../routes";
import "./flows.css";

const TABS = [
  { id: "graph", label: "Graph" },
  { id: "yaml", label: "YAML" },
  { id: "versions", label: "Versions" },
  { id: "runs", label: "Runs" },
] as const;
type Tab = (typeof TABS)[number]["id"];

export function FlowPage({ params, query }: PageProps) {
  const id = params.id!;
  const flow = useApi<FlowDetail>(flowPath(id));
  const [running, setRunning] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const requested = query.get("tab");
  const tab: Tab = TABS.some((t) => t.id === requested) ? (requested as Tab) : "graph";

  if (flow.loading && !flow.data) return <Loading />;
  if (!flow.data) return <ErrorBox error={flow.error} title="This flow could not be loaded" />;
  const current = flow.data;

  const showTab = (next: Tab) => navigate(`/flows/${encodeURIComponent(id)}${next === "graph" ? "" : `?tab=${next}`}`, true);
  return (
    <>
      <div class="flow-header">
        <PageHeader
          title={
            <>
              <span data-testid="flow-name">{current.name}</span>
              <span class="muted mono version">v{current.version}</span>
            </>
          }
          subtitle={current.description ?? undefined}
        >
          <button type="button" class="primary" onClick={() => setRunning(true)}>
            Run
          </button>
          <button type="button" onClick={() => navigate(`/flows/${encodeURIComponent(id)}/edit`)}>
            Edit
          </button>
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            Delete
          </button>
        </PageHeader>
      </div>
      <div class="flow-meta">
        <EnabledSwitch flow={current} onChanged={flow.reload} />
        {current.tags.length > 0 && (
          <div class="tag-list" aria-label="Tags">
            {current.tags.map((t) => (
              <TagChip key={t} tag={t} onClick={() => navigate(`/flows?tag=${encodeURIComponent(t)}`)} title={`All flows tagged ${t}`} />
            ))}
          </div>
        )}
        {current.status !== "draft" && <span class="badge">{current.status}</span>}
        {current.category && <span class="muted">Category: {current.category}</span>}
        <span class="muted" title={formatTime(current.updated_at)}>
          Updated {formatAgo(current.updated_at)}
        </span>
        <span class="muted mono">{current.id}</span>
      </div>
      <ErrorBox error={flow.error} title="This flow could not be refreshed" />
      <div class="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => showTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)!.label}>
        {tab === "graph" && <GraphTab flow={current} />}
        {tab === "yaml" && <CodeView text={current.content} label="YAML source" />}
        {tab === "versions" && <VersionsTab key={current.version} flowId={id} current={current.version} />}
        {tab === "runs" && <RunsTab flowId={id} onRun={() => setRunning(true)} />}
      </div>
      {running && <RunDialog flowId={id} flowName={current.name} onClose={() => setRunning(false)} />}
      {deleting && <DeleteDialog flow={current} onClose={() => setDeleting(false)} />}
    </>
  );
}

function EnabledSwitch({ flow, onChanged }: { flow: FlowDetail; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(`${flowPath(flow.id)}/${flow.enabled ? "disable" : "enable"}`, { method: "POST" });
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <label
        class="switch"
        title={
          flow.enabled
            ? "Its triggers start runs. Switch off to stop them (runs started by hand still work)."
            : "Its triggers start nothing."
        }
      >
        <input type="checkbox" role="switch" checked={flow.enabled} disabled={busy} onChange={() => void toggle()} />
        {flow.enabled ? "Enabled" : "Disabled"}
      </label>
      <ErrorBox error={error} title="The flow could not be switched" />
    </>
  );
}

function DeleteDialog({ flow, onClose }: { flow: FlowDetail; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await call(flowPath(flow.id), { method: "DELETE" });
      navigate("/flows");
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog title="Delete this flow?" onClose={onClose}>
      <p>
        <strong>{flow.name}</strong>, its {flow.version} version{flow.version === 1 ? "" : "s"} and its triggers will be deleted: webhook
        URLs stop answering and schedules stop.
      </p>
      <ErrorBox error={error} title="The flow was not deleted" />
      <div class="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="primary danger-fill" disabled={busy} onClick={() => void remove()}>
          {busy ? "Deleting…" : "Delete flow"}
        </button>
      </div>
    </Dialog>
  );
}
