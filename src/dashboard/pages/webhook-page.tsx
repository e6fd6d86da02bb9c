/** One outbound webhook subscription: its settings, secret rotation, a test send, and its delivery log. */
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorBox, Link, Loading, PageHeader, Pager } from "../components/common";
import { DeliveryTable } from "../components/account/delivery-table";
import { ConfirmDialog, ShownOnce, useAction } from "../components/account/pieces";
import type { Delivery, Webhook, WebhookWithSecret } from "../components/account/types";
import { useFlowNames } from "../components/account/use-flow-names";
import { usePaged } from "../components/account/use-paged";
import { ApiError, call } from "../lib/api";
import { formatTime } from "../lib/format";
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
          onConfirm={async () => setSecret((await call<WebhookWithSecret>(`${path}/rotate-secret`, { method: "POST" })).data.secret)}
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
