/** Node types: the built-in ones and the account's plugins; adding a plugin. */
import { useState } from "preact/hooks";
import { Empty, ErrorBox, Link, Loading, PageHeader } from "../components/common";
import { ShownOnce } from "../components/account/pieces";
import { PluginFormDialog } from "../components/account/plugin-form";
import type { PluginList } from "../components/account/types";
import { navigate } from "../lib/router";
import { useApi } from "../lib/use-api";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function PluginsPage(_props: PageProps) {
  const { data, error, loading } = useApi<PluginList>("/api/v1/plugins");
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [filter, setFilter] = useState("");
  const all = data?.plugins ?? [];
  const needle = filter.trim().toLowerCase();
  const shown = needle ? all.filter((p) => p.name.includes(needle) || p.description.toLowerCase().includes(needle)) : all;
  const plugins = shown.filter((p) => p.kind !== "builtin");
  const builtins = shown.filter((p) => p.kind === "builtin");

  return (
    <>
      <PageHeader title="Plugins" subtitle="Node types of your own, next to the built-in ones.">
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New plugin
        </button>
      </PageHeader>
      <div class="filters">
        <label>
          Search
          <input type="search" value={filter} placeholder="name or description" onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
      </div>
      {created && (
        <div>
          <ShownOnce label={`Signing secret of ${created.name}`} value={created.secret} onDone={() => setCreated(null)} />
          <Link to={`/plugins/${encodeURIComponent(created.name)}`}>Open {created.name}</Link>
        </div>
      )}
      <ErrorBox error={error} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <h2 class="section-title">Your plugins</h2>
          {plugins.length === 0 ? (
            <Empty>{needle ? "No plugin matches." : "No plugins yet. A JavaScript plugin is a manifest and one source file."}</Empty>
          ) : (
            <table aria-label="Plugins">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Version</th>
                  <th>Node types</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {plugins.map((p) => (
                  <tr key={p.name}>
                    <td>
                      <Link to={`/plugins/${encodeURIComponent(p.name)}`}>
                        <span class="mono">{p.name}</span>
                      </Link>
                    </td>
                    <td>
                      <span class="badge">{p.kind}</span>
                    </td>
                    <td>{p.version}</td>
                    <td>
                      {p.node_types.map((t) => (
                        <code key={t} class="tag">
                          {t}
                        </code>
                      ))}
                    </td>
                    <td>{p.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2 class="section-title">Built-in node types</h2>
          <div class="cards" aria-label="Built-in node types">
            {builtins.map((p) => (
              <Link key={p.name} to={`/plugins/${encodeURIComponent(p.name)}`} class="card">
                <h3>{p.name}</h3>
                <p class="muted">{p.description}</p>
              </Link>
            ))}
          </div>
        </>
      )}
      {creating && (
        <PluginFormDialog
          onClose={() => setCreating(false)}
          onSaved={(p) => {
            setCreating(false);
            // An http plugin's signing secret is shown here, once, before its page is opened.
            if (p.secret) setCreated({ name: p.name, secret: p.secret });
            else navigate(`/plugins/${encodeURIComponent(p.name)}`);
          }}
        />
      )}
    </>
  );
}
