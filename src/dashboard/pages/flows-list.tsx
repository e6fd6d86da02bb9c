/** The account's flows, newest first, searchable by name and filtered by tag (both kept in the URL). */
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorBox, Link, Loading, PageHeader, Pager } from "../components/common";
import type { FlowSummary } from "../components/flows/flow-types";
import { TagChip } from "../components/flows/tag-chip";
import { usePaged } from "../components/flows/use-paged";
import { formatAgo, formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "./flows.css";

const PAGE_SIZE = 25;

export function FlowsListPage({ query }: PageProps) {
  const name = query.get("name") ?? "";
  const tag = query.get("tag") ?? "";
  const [typed, setTyped] = useState(name);
  const flows = usePaged<FlowSummary>("/api/v1/flows", "flows", { name, tag, limit: PAGE_SIZE });

  // The address follows the search box a moment after typing stops, so each keystroke is not a request.
  useEffect(() => {
    if (typed === name) return;
    const timer = setTimeout(() => setFilters(typed, tag), 300);
    return () => clearTimeout(timer);
  }, [typed, name, tag]);
  useEffect(() => setTyped(name), [name]);

  const filtered = name !== "" || tag !== "";
  return (
    <>
      <PageHeader title="Flows" subtitle="Workflows written in YAML: what runs, in which order, and what starts it.">
        <button type="button" class="primary" onClick={() => navigate("/flows/new")}>
          New flow
        </button>
      </PageHeader>
      {(filtered || flows.items.length > 0) && (
        <div class="filters">
          <label>
            Search
            <input
              type="search"
              placeholder="Flow name"
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              onKeyDown={(e) => e.key === "Enter" && setFilters(typed, tag)}
            />
          </label>
          {tag && (
            <div class="active-filter">
              <span class="muted">Tag</span>
              <TagChip tag={tag} active onClick={() => setFilters(typed, "")} title="Remove this filter" />
            </div>
          )}
          {filtered && (
            <button type="button" class="ghost" onClick={() => setFilters("", "")}>
              Clear filters
            </button>
          )}
        </div>
      )}
      <ErrorBox error={flows.error} title="The flows could not be loaded" />
      {flows.loading && flows.items.length === 0 ? (
        <Loading />
      ) : flows.items.length === 0 && !flows.error ? (
        filtered ? (
          <Empty>
            <p>No flow matches {describeFilters(name, tag)}.</p>
            <button type="button" onClick={() => setFilters("", "")}>
              Show all flows
            </button>
          </Empty>
        ) : (
          <NoFlowsYet />
        )
      ) : (
        <FlowTable flows={flows.items} activeTag={tag} onTag={(t) => setFilters(typed, t === tag ? "" : t)} />
      )}
      <Pager cursor={flows.cursor} onMore={flows.more} loading={flows.loading} />
    </>
  );
}

function setFilters(name: string, tag: string) {
  const params = new URLSearchParams();
  if (name.trim()) params.set("name", name.trim());
  if (tag) params.set("tag", tag);
  const search = params.toString();
  navigate(`/flows${search ? `?${search}` : ""}`, true);
}

function describeFilters(name: string, tag: string): string {
  return [name && `“${name}”`, tag && `the tag “${tag}”`].filter(Boolean).join(" with ");
}

function FlowTable({ flows, activeTag, onTag }: { flows: FlowSummary[]; activeTag: string; onTag: (tag: string) => void }) {
  return (
    <table class="flows-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Description</th>
          <th>Tags</th>
          <th class="num">Version</th>
          <th>Enabled</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {flows.map((flow) => (
          <tr key={flow.id} data-flow={flow.id}>
            <td class="flow-name">
              <Link to={`/flows/${encodeURIComponent(flow.id)}`}>{flow.name}</Link>
              {flow.status !== "draft" && <span class="badge">{flow.status}</span>}
            </td>
            <td class="muted description">{flow.description ?? ""}</td>
            <td>
              <div class="tag-list">
                {flow.tags.map((t) => (
                  <TagChip key={t} tag={t} active={t === activeTag} onClick={() => onTag(t)} title={`Show flows tagged ${t}`} />
                ))}
              </div>
            </td>
            <td class="num mono">v{flow.version}</td>
            <td>
              <span class={`status ${flow.enabled ? "status-active" : "status-disabled"}`}>{flow.enabled ? "enabled" : "disabled"}</span>
            </td>
            <td title={formatTime(flow.updated_at)}>{formatAgo(flow.updated_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NoFlowsYet() {
  return (
    <Empty>
      <h2>No flows yet</h2>
      <p class="explain">
        A flow is a YAML document of <strong>nodes</strong> (an HTTP call, a script, an LLM prompt, a wait for an event…) joined by the{" "}
        <strong>actions</strong> each one returns. It runs when you start it here or through the API, and on its own from its{" "}
        <strong>triggers</strong>: a schedule, a webhook URL, an email address or another flow finishing.
      </p>
      <button type="button" class="primary" onClick={() => navigate("/flows/new")}>
        Write your first flow
      </button>
    </Empty>
  );
}
