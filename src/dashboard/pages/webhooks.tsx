/** Outbound webhook subscriptions (execution events sent to a URL), and the inbound webhook URLs of flows. */
import { useState } from "preact/hooks";
import { Empty, ErrorBox, Link, Loading, PageHeader, Pager } from "../components/common";
import { InboundHooks } from "../components/account/inbound-hooks";
import { ShownOnce } from "../components/account/pieces";
import type { Webhook } from "../components/account/types";
import { useFlowNames } from "../components/account/use-flow-names";
import { usePaged } from "../components/account/use-paged";
import { WebhookDialog } from "../components/account/webhook-dialog";
import { formatAgo, formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function WebhooksPage({ query }: PageProps) {
  const tab = query.get("tab") === "inbound" ? "inbound" : "outbound";
  return (
    <>
      <PageHeader title="Webhooks" subtitle="Send run events to other services, and see the URLs that start your flows." />
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "outbound"} onClick={() => navigate("/webhooks", true)}>
          Outbound subscriptions
        </button>
        <button type="button" role="tab" aria-selected={tab === "inbound"} onClick={() => navigate("/webhooks?tab=inbound", true)}>
          Inbound triggers
        </button>
      </div>
      {tab === "outbound" ? <Subscriptions /> : <InboundHooks />}
    </>
  );
}

function Subscriptions() {
  const list = usePaged<Webhook>("/api/v1/webhooks", "webhooks", { limit: 50 });
  const { flows, nameOf } = useFlowNames();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);

  return (
    <div class="stack">
      <div class="row">
        <span class="muted" style={{ flex: 1 }}>
          Signed <code>POST</code>s (Standard Webhooks) of execution events, retried for 24 hours.
        </span>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New subscription
        </button>
      </div>
      {created && (
        <div>
          <ShownOnce label="Signing secret of the new subscription" value={created.secret} onDone={() => setCreated(null)} />
          <Link to={`/webhooks/${created.id}`}>Open the subscription</Link>
        </div>
      )}
      <ErrorBox error={list.error} />
      {list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <Empty>No subscriptions yet.</Empty>
      ) : (
        <table aria-label="Webhook subscriptions">
          <thead>
            <tr>
              <th>URL</th>
              <th>Events</th>
              <th>Flow</th>
              <th>State</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((w) => (
              <tr key={w.id} data-webhook={w.id}>
                <td>
                  <Link to={`/webhooks/${w.id}`}>
                    <span class="mono">{w.url}</span>
                  </Link>
                  {w.description && <div class="muted">{w.description}</div>}
                </td>
                <td>
                  {w.events.map((e) => (
                    <span class="tag" key={e}>
                      {e}
                    </span>
                  ))}
                </td>
                <td>{w.flow_id ? <Link to={`/flows/${w.flow_id}`}>{nameOf(w.flow_id)}</Link> : <span class="muted">every flow</span>}</td>
                <td>
                  <span class={`status ${w.enabled ? "status-active" : "status-disabled"}`} title={w.disabled_reason ?? undefined}>
                    {w.enabled ? "enabled" : "disabled"}
                  </span>
                </td>
                <td title={formatTime(w.created_at)}>{formatAgo(w.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={list.next} onMore={list.loadMore} loading={list.loading} />
      {creating && (
        <WebhookDialog
          flows={flows}
          onClose={() => setCreating(false)}
          onCreated={(w) => {
            setCreating(false);
            setCreated({ id: w.id, secret: w.secret });
            list.reload();
          }}
        />
      )}
    </div>
  );
}
