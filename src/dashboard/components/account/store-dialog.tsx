/** Setting a key of the store: value as JSON, optional TTL; editing guards against a concurrent write. */
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { Dialog, ErrorBox } from "../common";
import { parseJson, useAction } from "./pieces";
import { storeKeyPath } from "./store-entry";
import type { StoreEntry } from "./types";

export function StoreKeyDialog({
  namespace,
  existing,
  onClose,
  onSaved,
}: {
  namespace: string;
  existing?: StoreEntry;
  onClose: () => void;
  onSaved: (key: string) => void;
}) {
  const [key, setKey] = useState(existing?.key ?? "");
  const [value, setValue] = useState(existing ? JSON.stringify(existing.value, null, 2) : "");
  const [ttl, setTtl] = useState("");
  const action = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const saved = await action.run(async () => {
      const parsed = parseJson(value, "The value");
      if (parsed === undefined) throw new Error('The value is empty: write JSON, e.g. "text", 42 or {}.');
      const trimmed = ttl.trim();
      const json = {
        value: parsed,
        ttl: trimmed ? (/^\d+$/.test(trimmed) ? Number(trimmed) : trimmed) : undefined,
        // Editing writes only over the version that was shown, so a concurrent write is not lost.
        if_version: existing ? existing.version : undefined,
      };
      await call(storeKeyPath(key), { method: "PUT", json, query: { namespace } });
      return key;
    });
    if (saved !== undefined) onSaved(saved);
  }

  return (
    <Dialog title={existing ? `Edit ${existing.key}` : "Set key"} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <label>
          Key
          <input
            value={key}
            required
            disabled={Boolean(existing)}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="orders/last-sync"
          />
        </label>
        <label>
          Value (JSON)
          <textarea value={value} required spellcheck={false} aria-label="Value (JSON)" onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <label>
          Expires after (TTL)
          <input value={ttl} placeholder="never — or 3600, 90s, 1h" onInput={(e) => setTtl(e.currentTarget.value)} />
        </label>
        <p class="muted">Namespace: {namespace}</p>
        <ErrorBox error={action.error} title="The key was not saved" />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Save key
          </button>
        </div>
      </form>
    </Dialog>
  );
}
