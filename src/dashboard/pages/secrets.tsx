/** The account's secrets: names, types and tags only; values are write-only and never come back. */
import { useState } from "preact/hooks";
import { Empty, ErrorBox, Loading, PageHeader, Pager } from "../components/common";
import { ConfirmDialog } from "../components/account/pieces";
import { SecretDialog, SECRETS_PATH } from "../components/account/secret-dialog";
import { SECRET_TYPES, type Secret } from "../components/account/types";
import { usePaged } from "../components/account/use-paged";
import { call } from "../lib/api";
import { formatAgo, formatTime } from "../lib/format";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function SecretsPage(_props: PageProps) {
  const [type, setType] = useState("");
  const [tag, setTag] = useState("");
  const list = usePaged<Secret>(SECRETS_PATH, "secrets", { type, tag: tag.trim(), limit: 50 });
  const [editing, setEditing] = useState<Secret | "new" | null>(null);
  const [deleting, setDeleting] = useState<Secret | null>(null);
  const [notice, setNotice] = useState("");

  return (
    <>
      <PageHeader
        title="Secrets"
        subtitle={
          <>
            Encrypted credentials flows read as <code>{"${secrets.NAME}"}</code>. Values are write-only: they are never shown again.
          </>
        }
      >
        <button type="button" class="primary" onClick={() => setEditing("new")}>
          Set secret
        </button>
      </PageHeader>
      <div class="filters">
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">All types</option>
            {SECRET_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag
          <input value={tag} placeholder="any tag" onChange={(e) => setTag(e.currentTarget.value)} />
        </label>
      </div>
      {notice && (
        <p class="ok-text" role="status">
          {notice}
        </p>
      )}
      <ErrorBox error={list.error} />
      {list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <Empty>{type || tag ? "No secret matches these filters." : "No secrets yet. Set one to use it in flows."}</Empty>
      ) : (
        <table aria-label="Secrets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Tags</th>
              <th>Description</th>
              <th>Created</th>
              <th>Updated</th>
              <th>Last used</th>
              <th class="actions" />
            </tr>
          </thead>
          <tbody>
            {list.items.map((s) => (
              <tr key={s.key} data-secret={s.key}>
                <td class="mono">{s.key}</td>
                <td>
                  <span class="badge">{s.type}</span>
                </td>
                <td>
                  {s.tags.map((t) => (
                    <span class="tag" key={t}>
                      {t}
                    </span>
                  ))}
                </td>
                <td>{s.description ?? <span class="muted">—</span>}</td>
                <td title={formatTime(s.created_at)}>{formatAgo(s.created_at)}</td>
                <td title={formatTime(s.updated_at)}>{formatAgo(s.updated_at)}</td>
                <td>{formatAgo(s.last_used_at)}</td>
                <td class="actions">
                  <button type="button" onClick={() => setEditing(s)}>
                    Replace
                  </button>
                  <button type="button" class="danger" onClick={() => setDeleting(s)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={list.next} onMore={list.loadMore} loading={list.loading} />
      {editing && (
        <SecretDialog
          initial={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            setNotice(`Secret ${name} saved.`);
            list.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete secret ${deleting.key}?`}
          confirmLabel="Delete secret"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await call(`${SECRETS_PATH}/${encodeURIComponent(deleting.key)}`, { method: "DELETE" });
            setNotice(`Secret ${deleting.key} deleted.`);
            list.reload();
          }}
        >
          Flows that read <code>{`\${secrets.${deleting.key}}`}</code> will fail until it is set again. This cannot be undone.
        </ConfirmDialog>
      )}
    </>
  );
}
