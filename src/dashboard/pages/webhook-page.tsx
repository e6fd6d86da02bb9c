/** One outbound webhook subscription: its settings, secret rotation, a test send, and its delivery log. */
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorBox, Json, Link, Loading, PageHeader, Pager, StatusBadge } from "../components/common";
import { ConfirmDialog, ShownOnce, useAction } from "../components/account/pieces";
import type { Delivery, Webhook } from "../components/account/types";
import { useFlowNames } from "../components/account/use-flow-names";
import { usePaged } from "../components/account/use-paged";
import { ApiError, call } from "../lib/api";
import { formatAgo, formatDuration, formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import { useApi } from "../lib/use-api";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function WebhookPage({ params }: PageProps) {
  const path = `/api/v1/webhooks/${encodeURIComponent(params.id ?? "")}`;
  const hook = useApi<Webhook>(path);
  const { nameOf } = useFlowNames();
  const action = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<"delete" | "rotate" | null>(null);
  const [notice, setNotice] = useState("");
  // Deliveries poll while any is pending, so a test send is seen arriving.
  const deliveries = usePaged<Delivery>(hook.data ? `${path}/deliveries` : null, "deliveries", { limit: 50 });
  const pending = deliveries.items.some((d) => d.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(deliveries.reload, 1500);
    return () => clearTimeout(timer);
  }, [deliveries.items]);

  if (hook.error instanceof ApiError && hook.error.status === 404) {
    return (
      <>
        <PageHeader title="Subscription not found" />
        <Empty>
          There is no webhook subscription <code>{params.id}</code> in your account. <Link to="/webhooks">All subscriptions</Link>
        </Empty>
      </>
    );
  }
  if (hook.error) return <ErrorBox error={hook.error} />;
  if (!hook.data) return <Loading />;
  const w = hook.data;

  async function patch(json: Partial<Webhook>) {
    if (await action.run(() => call(path, { method: "PATCH", json }))) hook.reload();
  }
  async function test() {
    const sent = await action.run(() => call(`${path}/test`, { method: "POST" }));
    if (sent) {
      setNotice("Test delivery queued.");
      deliveries.reload();
    }
  }

  return (
    <>
      <PageHeader
        title={<span class="title-url">{w.url}</span>}
        subtitle={
          <>
            <Link to="/webhooks">Webhooks</Link> · {w.id}
          </>
        }
      >
        <button type="button" disabled={action.busy || !w.enabled} onClick={() => void test()}>
          Send test
        </button>
        {w.enabled ? (
          <button type="button" disabled={action.busy} onClick={() => void patch({ enabled: false })}>
            Disable
          </button>
        ) : (
          <button type="button" disabled={action.busy} onClick={() => void patch({ enabled: true })}>
            Enable
          </button>
        )}
        <button type="button" onClick={() => setConfirm("rotate")}>
          Rotate secret
        </button>
        <button type="button" class="danger" onClick={() => setConfirm("delete")}>
          Delete
        </button>
      </PageHeader>
      {secret && <ShownOnce label="New signing secret" value={secret} onDone={() => setSecret(null)} />}
      <ErrorBox error={action.error} />
      {notice && (
        <p class="ok-text" role="status">
          {notice}
        </p>
      )}
      <div class="panel">
        <dl class="kv-grid">
          <dt>State</dt>
          <dd>
            <span class={`status ${w.enabled ? "status-active" : "status-disabled"}`}>{w.enabled ? "enabled" : "disabled"}</span>
            {w.disabled_reason && <span class="danger-text"> {w.disabled_reason}</span>}
          </dd>
          <dt>Events</dt>
          <dd>
            {w.events.map((e) => (
              <span class="tag" key={e}>
                {e}
              </span>
            ))}
          </dd>
          <dt>Flow</dt>
          <dd>{w.flow_id ? <Link to={`/flows/${w.flow_id}`}>{nameOf(w.flow_id)}</Link> : "every flow"}</dd>
          <dt>Description</dt>
          <dd>{w.description ?? "—"}</dd>
          <dt>Created</dt>
          <dd>{formatTime(w.created_at)}</dd>
          <dt>Updated</dt>
          <dd>{formatTime(w.updated_at)}</dd>
        </dl>
      </div>
      <div class="row section-title">
        <h2 style={{ margin: 0, flex: 1 }}>Deliveries</h2>
        <button type="button" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      <DeliveryTable
        path={path}
        deliveries={deliveries.items}
        enabled={w.enabled}
        onChanged={deliveries.reload}
        loading={deliveries.loading}
      />
      <ErrorBox error={deliveries.error} />
      <Pager cursor={deliveries.next} onMore={deliveries.loadMore} loading={deliveries.loading} />
      {confirm === "rotate" && (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirmLabel="Rotate secret"
          onClose={() => setConfirm(null)}
          onConfirm={async () => setSecret((await call<{ secret: string }>(`${path}/rotate-secret`, { method: "POST" })).data.secret)}
        >
          The current secret stops signing at once: update the receiver with the new one.
        </ConfirmDialog>
      )}
      {confirm === "delete" && (
        <ConfirmDialog
          title="Delete this subscription?"
          confirmLabel="Delete subscription"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await call(path, { method: "DELETE" });
            navigate("/webhooks");
          }}
        >
          No more events go to <code>{w.url}</code>, and its delivery log is deleted too.
        </ConfirmDialog>
      )}
    </>
  );
}

function DeliveryTable({
  path,
  deliveries,
  enabled,
  onChanged,
  loading,
}: {
  path: string;
  deliveries: Delivery[];
  enabled: boolean;
  onChanged: () => void;
  loading: boolean;
}) {
  const [open, setOpen] = useState<string | null>(null);
  const action = useAction();
  if (deliveries.length === 0) return loading ? <Loading /> : <Empty>No deliveries yet. Send a test to try the receiver.</Empty>;
  return (
    <>
      <ErrorBox error={action.error} title="Not redelivered" />
      <table aria-label="Deliveries">
        <thead>
          <tr>
            <th>Event</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Last response</th>
            <th>Created</th>
            <th>Next attempt</th>
            <th class="actions" />
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => {
            const last = d.attempts[d.attempts.length - 1];
            return (
              <Fragment key={d.id}>
                <tr data-delivery={d.id}>
                  <td>
                    <code>{d.event_type}</code>
                    <div class="muted mono">{d.id}</div>
                  </td>
                  <td>
                    <StatusBadge status={d.status} />
                    {d.failure && <div class="danger-text">{d.failure}</div>}
                  </td>
                  <td>{d.attempt_count}</td>
                  <td>{last ? (last.status ?? last.error?.code ?? "—") : "—"}</td>
                  <td title={formatTime(d.created_at)}>{formatAgo(d.created_at)}</td>
                  <td>{d.next_attempt_at ? formatAgo(d.next_attempt_at) : "—"}</td>
                  <td class="actions">
                    <button type="button" class="ghost" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                      {open === d.id ? "Hide" : "Details"}
                    </button>
                    <button
                      type="button"
                      disabled={!enabled || action.busy}
                      onClick={() =>
                        void action.run(async () => {
                          await call(`${path}/deliveries/${encodeURIComponent(d.id)}/redeliver`, { method: "POST" });
                          onChanged();
                        })
                      }
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
                {open === d.id && (
                  <tr class="expanded">
                    <td colSpan={7}>
                      <div class="grid-2">
                        <div>
                          <h3>Attempts</h3>
                          {d.attempts.length === 0 ? (
                            <p class="muted">Not attempted yet.</p>
                          ) : (
                            <table aria-label="Attempts">
                              <thead>
                                <tr>
                                  <th>At</th>
                                  <th>HTTP</th>
                                  <th>Latency</th>
                                  <th>Error / response</th>
                                </tr>
                              </thead>
                              <tbody>
                                {d.attempts.map((a) => (
                                  <tr key={a.at}>
                                    <td>{formatTime(a.at)}</td>
                                    <td>{a.status ?? "—"}</td>
                                    <td>{formatDuration(a.latency_ms)}</td>
                                    <td>
                                      {a.error && (
                                        <div class="danger-text">
                                          {a.error.code}: {a.error.message}
                                        </div>
                                      )}
                                      {a.response && <pre class="json">{a.response}</pre>}
                                    </td>
                                  </tr>
                                ))}
                              </tbody>
                            </table>
                          )}
                        </div>
                        <div>
                          <h3>Payload</h3>
                          <Json value={d.payload} label="Payload" />
                        </div>
                      </div>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
