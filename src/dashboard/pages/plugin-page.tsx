/** A plugin or a built-in node type: manifest, node types with their params schemas, versions, test run. */
import { useState } from "preact/hooks";
import { Dialog, Empty, ErrorBox, Json, Link, Loading, PageHeader, Pager } from "../components/common";
import { ShownOnce, useAction } from "../components/account/pieces";
import { PluginFormDialog } from "../components/account/plugin-form";
import { PluginTestRun } from "../components/account/plugin-test";
import type { PluginDetail, PluginVersion } from "../components/account/types";
import { usePaged } from "../components/account/use-paged";
import { ApiError, call } from "../lib/api";
import { formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import { useApi } from "../lib/use-api";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function PluginPage({ params }: PageProps) {
  const name = params.name ?? "";
  const path = `/api/v1/plugins/${encodeURIComponent(name)}`;
  const plugin = useApi<PluginDetail>(path);
  const stored = plugin.data && (plugin.data.kind === "js" || plugin.data.kind === "http");
  const versions = usePaged<PluginVersion>(stored ? `${path}/versions` : null, "versions", { limit: 20 });
  const [tab, setTab] = useState<"nodes" | "manifest" | "source" | "versions">("nodes");
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  if (plugin.error instanceof ApiError && plugin.error.status === 404) {
    return (
      <>
        <PageHeader title="Plugin not found" />
        <Empty>
          No plugin or node type <code>{name}</code> is available to your account. <Link to="/plugins">All plugins</Link>
        </Empty>
      </>
    );
  }
  if (plugin.error) return <ErrorBox error={plugin.error} />;
  if (!plugin.data) return <Loading />;
  const p = plugin.data;
  const nodeTypes = p.node_types.map((n) => n.type);

  return (
    <>
      <PageHeader
        title={p.name}
        subtitle={
          <>
            <Link to="/plugins">Plugins</Link> · <span class="badge">{p.kind}</span> version {p.version}
            {p.updated_at && <> · updated {formatTime(p.updated_at)}</>}
          </>
        }
      >
        {stored && (
          <>
            <button type="button" onClick={() => setEditing(true)}>
              New version
            </button>
            <button type="button" class="danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          </>
        )}
      </PageHeader>
      {secret && <ShownOnce label="New signing secret" value={secret} onDone={() => setSecret(null)} />}
      <p>{p.description}</p>
      {p.url && (
        <p>
          Endpoint: <code>{p.url}</code>
        </p>
      )}
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "nodes"} onClick={() => setTab("nodes")}>
          Node types ({p.node_types.length})
        </button>
        {p.manifest && (
          <button type="button" role="tab" aria-selected={tab === "manifest"} onClick={() => setTab("manifest")}>
            Manifest
          </button>
        )}
        {p.source !== null && (
          <button type="button" role="tab" aria-selected={tab === "source"} onClick={() => setTab("source")}>
            Source
          </button>
        )}
        {stored && (
          <button type="button" role="tab" aria-selected={tab === "versions"} onClick={() => setTab("versions")}>
            Versions
          </button>
        )}
      </div>
      {tab === "nodes" && (
        <div class="stack">
          {p.node_types.map((n) => (
            <div class="panel" key={n.type}>
              <h3 class="mono">{n.type}</h3>
              <p>{n.description}</p>
              <dl class="kv-grid">
                <dt>Actions</dt>
                <dd>{["default", "error", ...n.actions].join(", ")}</dd>
                <dt>Side effects</dt>
                <dd>{n.side_effects === null ? "depends on params" : n.side_effects ? "yes" : "no"}</dd>
              </dl>
              {p.params[n.type] && (
                <details>
                  <summary>Params schema</summary>
                  <Json value={p.params[n.type]} label={`Params schema of ${n.type}`} />
                </details>
              )}
            </div>
          ))}
        </div>
      )}
      {tab === "manifest" && <Json value={p.manifest} label="Manifest" />}
      {tab === "source" && <pre class="json">{p.source}</pre>}
      {tab === "versions" && (
        <>
          <ErrorBox error={versions.error} />
          <table aria-label="Versions">
            <thead>
              <tr>
                <th>Version</th>
                <th>Manifest version</th>
                <th>Saved</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {versions.items.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{v.manifest_version}</td>
                  <td>{formatTime(v.created_at)}</td>
                  <td>{v.created_by}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager cursor={versions.next} onMore={versions.loadMore} loading={versions.loading} />
        </>
      )}
      {stored && (
        <div style={{ marginTop: "16px" }}>
          <PluginTestRun plugin={p.name} nodeTypes={nodeTypes} />
        </div>
      )}
      {editing && (
        <PluginFormDialog
          existing={p}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            if (saved.secret) setSecret(saved.secret);
            plugin.reload();
            versions.reload();
          }}
        />
      )}
      {deleting && <DeletePluginDialog name={p.name} onClose={() => setDeleting(false)} />}
    </>
  );
}

/** Deleting is refused while flows use the plugin: the dialog then lists them. */
function DeletePluginDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const action = useAction();
  const inUse =
    action.error instanceof ApiError && action.error.status === 409
      ? ((action.error.details as { flows?: { id: string; name: string }[] } | undefined)?.flows ?? null)
      : null;
  return (
    <Dialog title={`Delete plugin ${name}?`} onClose={onClose}>
      <div class="stack">
        {inUse ? (
          <div class="error-box" role="alert">
            <strong>These flows use {name}; change or delete them first:</strong>
            <ul>
              {inUse.map((f) => (
                <li key={f.id}>
                  <Link to={`/flows/${f.id}`}>{f.name}</Link>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <>
            <p>Every version of the plugin is deleted. Runs already started keep the version they use.</p>
            <ErrorBox error={action.error} />
          </>
        )}
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            {inUse ? "Keep the plugin" : "Cancel"}
          </button>
          {!inUse && (
            <button
              type="button"
              class="danger"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  await call(`/api/v1/plugins/${encodeURIComponent(name)}`, { method: "DELETE" });
                  navigate("/plugins");
                })
              }
            >
              Delete plugin
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
