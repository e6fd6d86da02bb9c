/** Small pieces every page uses: errors, loading, empty states, pagers, status badges, JSON blocks. */
import type { ComponentChildren } from "preact";
import { ApiError, describeError } from "../lib/api";
import { formatJson } from "../lib/format";
import { followLink } from "../lib/router";

export function Link({
  to,
  children,
  class: className,
  title,
}: {
  to: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
}) {
  return (
    <a href={to} class={className} title={title} onClick={(e) => followLink(e, to)}>
      {children}
    </a>
  );
}

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const details = error instanceof ApiError && error.details ? formatJson(error.details) : "";
  return (
    <div class="error-box" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>
      <p>{describeError(error)}</p>
      {error instanceof ApiError && error.code && <code class="muted">{error.code}</code>}
      {details && details !== "{}" && <pre class="json">{details}</pre>}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="loading muted" aria-busy="true">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty muted">{children}</div>;
}

export function PageHeader({
  title,
  children,
  subtitle,
}: {
  title: ComponentChildren;
  subtitle?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p class="muted subtitle">{subtitle}</p>}
      </div>
      <div class="actions">{children}</div>
    </header>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`status status-${status}`} data-status={status}>
      {status}
    </span>
  );
}

export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre class="json" aria-label={label}>
      {value === undefined ? "—" : formatJson(value)}
    </pre>
  );
}

/** "More" for cursor-paginated lists. */
export function Pager({ cursor, onMore, loading }: { cursor: string | null | undefined; onMore: () => void; loading?: boolean }) {
  if (!cursor) return null;
  return (
    <div class="pager">
      <button type="button" onClick={onMore} disabled={loading}>
        {loading ? "Loading…" : "Load more"}
      </button>
    </div>
  );
}

/** A modal dialog: focus stays inside, Escape closes. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label={title} onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <header>
          <h2>{title}</h2>
          <button type="button" class="ghost" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
