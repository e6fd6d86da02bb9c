/** Pieces the account pages share: confirmations, secrets shown once, actions with their own error. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Dialog, ErrorBox } from "../common";

/** Runs an async action with a busy flag and keeps its error to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, clear: () => setError(null) };
}

/** "Are you sure?" for destructive actions; the action's error stays in the dialog. */
export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const action = useAction();
  return (
    <Dialog title={title} onClose={onClose}>
      <div class="stack">
        <div>{children}</div>
        <ErrorBox error={action.error} />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await onConfirm();
                onClose();
              })
            }
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** A credential the service shows only once: copyable, with the warning that it will not come back. */
export function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone?: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="shown-once" role="status">
      <strong>{label}</strong>
      <p class="warn-text">Copy it now: it will not be shown again.</p>
      <div class="row">
        <input class="mono once-value" readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        {onDone && (
          <button type="button" class="ghost" onClick={onDone}>
            Done
          </button>
        )}
      </div>
    </div>
  );
}

/** Parses JSON typed by a person; the error names what is wrong. */
export function parseJson(text: string, what: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}
