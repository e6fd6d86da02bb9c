/** The account's audit log: who did what, when and from where, filtered by action and time. */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { Empty, ErrorBox, Json, Loading, PageHeader, Pager } from "../components/common";
import { AUDIT_ACTIONS, type AuditEvent } from "../components/account/types";
import { usePaged } from "../components/account/use-paged";
import { formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "../components/account/account.css";

/** A datetime-local value (the browser's zone) as ISO 8601 with a zone, as the API asks. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function AuditPage({ query }: PageProps) {
  const action = query.get("action") ?? "";
  const since = query.get("since") ?? "";
  const until = query.get("until") ?? "";
  const list = usePaged<AuditEvent>("/api/v1/audit", "events", { action, since: toIso(since), until: toIso(until), limit: 50 });
  const [open, setOpen] = useState<string | null>(null);

  // Filters live in the URL, so a filtered view can be bookmarked or shared.
  function setFilter(name: string, value: string) {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    const text = next.toString();
    navigate(`/audit${text ? `?${text}` : ""}`, true);
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Sign-ins, tokens, flows, runs, schedules, secrets, webhooks and plugins of this account, newest first."
      >
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </PageHeader>
      <div class="filters">
        <label>
          Action
          <select value={action} onChange={(e) => setFilter("action", e.currentTarget.value)} aria-label="Action">
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input type="datetime-local" value={since} onChange={(e) => setFilter("since", e.currentTarget.value)} />
        </label>
        <label>
          Until
          <input type="datetime-local" value={until} onChange={(e) => setFilter("until", e.currentTarget.value)} />
        </label>
        {(action || since || until) && (
          <button type="button" class="ghost" onClick={() => navigate("/audit", true)}>
            Clear filters
          </button>
        )}
      </div>
      <ErrorBox error={list.error} />
      {list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <Empty>No events{action || since || until ? " match these filters" : " yet"}.</Empty>
      ) : (
        <table aria-label="Audit events">
          <thead>
            <tr>
              <th>Time</th>
              <th>Action</th>
              <th>Actor</th>
              <th>Target</th>
              <th>Via</th>
              <th>IP</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((e) => (
              <Fragment key={e.id}>
                <tr
                  class={`clickable${open === e.id ? " expanded" : ""}`}
                  data-action={e.action}
                  aria-expanded={open === e.id}
                  tabIndex={0}
                  onClick={() => setOpen(open === e.id ? null : e.id)}
                  onKeyDown={(k) => (k.key === "Enter" || k.key === " ") && setOpen(open === e.id ? null : e.id)}
                >
                  <td>{formatTime(e.time)}</td>
                  <td>
                    <span class={`badge${e.action.endsWith(".failed") || e.action.endsWith(".refused") ? " danger-text" : ""}`}>
                      {e.action}
                    </span>
                  </td>
                  <td>{e.actor ?? "—"}</td>
                  <td>
                    {e.target_type && <span class="muted">{e.target_type} </span>}
                    <span class="mono">{e.target_id ?? ""}</span>
                  </td>
                  <td>{typeof e.details.via === "string" ? e.details.via : "—"}</td>
                  <td class="mono">{e.ip ?? "—"}</td>
                </tr>
                {open === e.id && (
                  <tr class="expanded">
                    <td colSpan={6}>
                      <Json value={e.details} label={`Details of ${e.action}`} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={list.next} onMore={list.loadMore} loading={list.loading} />
    </>
  );
}
