/** The account's key-value store (what the `store` node of its flows reads and writes), by namespace. */
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorBox, Loading, PageHeader, Pager } from "../components/common";
import { StoreKeyDialog } from "../components/account/store-dialog";
import { StoreEntryPanel } from "../components/account/store-entry";
import type { StoreEntry } from "../components/account/types";
import { usePaged } from "../components/account/use-paged";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function StorePage({ query }: PageProps) {
  const namespace = query.get("namespace") || "default";
  const prefix = query.get("prefix") ?? "";
  const selected = query.get("key");
  const [nsDraft, setNsDraft] = useState(namespace);
  useEffect(() => setNsDraft(namespace), [namespace]);
  const keys = usePaged<string>("/api/v1/store", "keys", { namespace, prefix, limit: 100 });
  const [editing, setEditing] = useState<StoreEntry | "new" | null>(null);
  // Bumped after a save, so the open key is read again.
  const [revision, setRevision] = useState(0);

  // Namespace, prefix and the open key are in the URL, so a view can be bookmarked.
  function go(next: { namespace?: string; prefix?: string; key?: string | null }) {
    const q = new URLSearchParams();
    const ns = next.namespace ?? namespace;
    const pf = next.prefix ?? prefix;
    const key = next.key === undefined ? selected : next.key;
    if (ns !== "default") q.set("namespace", ns);
    if (pf) q.set("prefix", pf);
    if (key) q.set("key", key);
    const text = q.toString();
    navigate(`/store${text ? `?${text}` : ""}`, true);
  }

  return (
    <>
      <PageHeader title="Store" subtitle="The key-value store your flows' store nodes use. Keys are listed in byte order.">
        <button type="button" class="primary" onClick={() => setEditing("new")}>
          Set key
        </button>
      </PageHeader>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({ namespace: nsDraft.trim() || "default", key: null });
        }}
      >
        <label>
          Namespace
          <input
            value={nsDraft}
            onInput={(e) => setNsDraft(e.currentTarget.value)}
            onBlur={() => go({ namespace: nsDraft.trim() || "default", key: null })}
          />
        </label>
        <label>
          Key prefix
          <input type="search" value={prefix} placeholder="orders/" onInput={(e) => go({ prefix: e.currentTarget.value })} />
        </label>
      </form>
      <ErrorBox error={keys.error} />
      <div class="split">
        <div>
          {keys.loading && keys.items.length === 0 ? (
            <Loading />
          ) : keys.items.length === 0 ? (
            <Empty>{prefix ? `No key starts with “${prefix}”.` : `The namespace ${namespace} is empty.`}</Empty>
          ) : (
            <ul class="key-list" aria-label="Keys">
              {keys.items.map((k) => (
                <li key={k}>
                  <button type="button" aria-current={k === selected} onClick={() => go({ key: k })}>
                    {k}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <Pager cursor={keys.next} onMore={keys.loadMore} loading={keys.loading} />
        </div>
        <div>
          {selected ? (
            <StoreEntryPanel
              key={`${namespace}/${selected}/${revision}`}
              namespace={namespace}
              name={selected}
              onEdit={(entry) => setEditing(entry)}
              onDeleted={() => {
                go({ key: null });
                keys.reload();
              }}
            />
          ) : (
            <Empty>Pick a key to see its value.</Empty>
          )}
        </div>
      </div>
      {editing && (
        <StoreKeyDialog
          namespace={namespace}
          existing={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(key) => {
            setEditing(null);
            keys.reload();
            setRevision((r) => r + 1);
            go({ key });
          }}
        />
      )}
    </>
  );
}
