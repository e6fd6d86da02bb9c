/** A subscription's delivery log: status, attempts and responses of each delivery, and redelivering one. */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { formatAgo, formatDuration, formatTime } from "../../lib/format";
import { Empty, ErrorBox, Json, Loading, StatusBadge } from "../common";
import { useAction } from "./pieces";
import type { Delivery } from "./types";

export function DeliveryTable({
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
