/** One key of the store: its value, version and expiry; deleting it. */
import { useState } from "preact/hooks";
import { ApiError, call } from "../../lib/api";
import { formatAgo, formatTime } from "../../lib/format";
import { useApi } from "../../lib/use-api";
import { Empty, ErrorBox, Json, Loading } from "../common";
import { ConfirmDialog } from "./pieces";
import type { StoreEntry } from "./types";

export const storeKeyPath = (key: string) => `/api/v1/store/${encodeURIComponent(key)}`;

export function StoreEntryPanel({
  namespace,
  name,
  onEdit,
  onDeleted,
}: {
  namespace: string;
  name: string;
  onEdit: (entry: StoreEntry) => void;
  onDeleted: () => void;
}) {
  const entry = useApi<StoreEntry>(storeKeyPath(name), { namespace });
  const [deleting, setDeleting] = useState(false);
  if (entry.error instanceof ApiError && entry.error.status === 404) return <Empty>The key {name} is gone (deleted or expired).</Empty>;
  if (entry.error) return <ErrorBox error={entry.error} />;
  if (!entry.data) return <Loading />;
  const e = entry.data;
  return (
    <div class="panel" aria-label={`Key ${e.key}`}>
      <div class="row" style={{ justifyContent: "space-between", marginBottom: "8px" }}>
        <h2 class="mono" style={{ margin: 0, overflowWrap: "anywhere" }}>
          {e.key}
        </h2>
        <div class="row">
          <button type="button" onClick={() => onEdit(e)}>
            Edit
          </button>
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            Delete
          </button>
        </div>
      </div>
      <dl class="kv-grid">
        <dt>Namespace</dt>
        <dd>{e.namespace}</dd>
        <dt>Version</dt>
        <dd>{e.version}</dd>
        <dt>Expires</dt>
        <dd>{e.expires_at ? `${formatTime(e.expires_at)} (${formatAgo(e.expires_at)})` : "never"}</dd>
      </dl>
      <Json value={e.value} label="Value" />
      {deleting && (
        <ConfirmDialog
          title={`Delete key ${e.key}?`}
          confirmLabel="Delete key"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await call(storeKeyPath(e.key), { method: "DELETE", query: { namespace } });
            onDeleted();
          }}
        >
          Flows reading it will find nothing.
        </ConfirmDialog>
      )}
    </div>
  );
}
