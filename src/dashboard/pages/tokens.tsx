/** API tokens: create one (its value is shown once), list them by prefix, revoke. */
import { useState } from "preact/hooks";
import { Dialog, Empty, ErrorBox, Loading, PageHeader, Pager } from "../components/common";
import { ConfirmDialog, ShownOnce, useAction } from "../components/account/pieces";
import type { ApiToken, CreatedToken } from "../components/account/types";
import { usePaged } from "../components/account/use-paged";
import { call } from "../lib/api";
import { formatAgo, formatTime } from "../lib/format";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function TokensPage(_props: PageProps) {
  const list = usePaged<ApiToken>("/api/v1/tokens", "tokens", { limit: 50 });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  return (
    <>
      <PageHeader
        title="API tokens"
        subtitle={
          <>
            For scripts, the CLI and MCP clients: <code>Authorization: Bearer frt_…</code>. Only a token's prefix is kept in view.
          </>
        }
      >
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          Create token
        </button>
      </PageHeader>
      {created && <ShownOnce label={`New token “${created.name}”`} value={created.token} onDone={() => setCreated(null)} />}
      <ErrorBox error={list.error} />
      {list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <Empty>No API tokens yet.</Empty>
      ) : (
        <table aria-label="API tokens">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>State</th>
              <th class="actions" />
            </tr>
          </thead>
          <tbody>
            {list.items.map((t) => {
              const expired = !t.revoked_at && t.expires_at !== null && Date.parse(t.expires_at) <= Date.now();
              return (
                <tr key={t.id} data-token={t.id}>
                  <td>{t.name}</td>
                  <td class="mono">{t.prefix}…</td>
                  <td title={formatTime(t.created_at)}>{formatAgo(t.created_at)}</td>
                  <td>{t.expires_at ? formatTime(t.expires_at) : <span class="muted">never</span>}</td>
                  <td>{t.last_used_at ? formatAgo(t.last_used_at) : <span class="muted">never</span>}</td>
                  <td>
                    {t.revoked_at ? (
                      <span class="status status-failed" title={formatTime(t.revoked_at)}>
                        revoked
                      </span>
                    ) : expired ? (
                      <span class="status status-paused">expired</span>
                    ) : (
                      <span class="status status-active">active</span>
                    )}
                  </td>
                  <td class="actions">
                    {!t.revoked_at && (
                      <button type="button" class="danger" onClick={() => setRevoking(t)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager cursor={list.next} onMore={list.loadMore} loading={list.loading} />
      {creating && (
        <CreateTokenDialog
          onClose={() => setCreating(false)}
          onCreated={(token) => {
            setCreating(false);
            setCreated(token);
            list.reload();
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke token ${revoking.name}?`}
          confirmLabel="Revoke token"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await call(`/api/v1/tokens/${encodeURIComponent(revoking.id)}`, { method: "DELETE" });
            list.reload();
          }}
        >
          Anything using <code>{revoking.prefix}…</code> stops working at once.
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateTokenDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (token: { name: string; token: string }) => void }) {
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const action = useAction();
  async function submit(event: Event) {
    event.preventDefault();
    const answer = await action.run(async () => {
      const json = { name: name.trim(), expires_in_days: days ? Number(days) : undefined };
      return (await call<CreatedToken>("/api/v1/tokens", { method: "POST", json })).data;
    });
    if (answer) onCreated({ name: answer.name, token: answer.token });
  }
  return (
    <Dialog title="Create API token" onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <label>
          Name
          <input value={name} required placeholder="deploy script" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Expires after (days)
          <input type="number" min="1" value={days} placeholder="never" onInput={(e) => setDays(e.currentTarget.value)} />
          <span class="muted">Leave empty for a token that does not expire.</span>
        </label>
        <ErrorBox error={action.error} title="The token was not created" />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Create token
          </button>
        </div>
      </form>
    </Dialog>
  );
}
