/** The latest runs of one flow. */
import { formatAgo, formatDuration, formatTime } from "../../lib/format";
import { Empty, ErrorBox, Link, Loading, Pager, StatusBadge } from "../common";
import type { ExecutionSummary } from "../run/types";
import { usePaged } from "./use-paged";

export function RunsTab({ flowId, onRun }: { flowId: string; onRun: () => void }) {
  const runs = usePaged<ExecutionSummary>("/api/v1/executions", "executions", { flow_id: flowId, limit: 20 });
  if (runs.loading && runs.items.length === 0) return <Loading />;
  return (
    <>
      <ErrorBox error={runs.error} title="The runs could not be loaded" />
      {runs.items.length === 0 && !runs.error ? (
        <Empty>
          <p>This flow has not run yet.</p>
          <button type="button" class="primary" onClick={onRun}>
            Run it now
          </button>
        </Empty>
      ) : (
        <table aria-label="Runs of this flow">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Version</th>
              <th>Started by</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {runs.items.map((run) => (
              <tr key={run.id} data-run={run.id}>
                <td class="mono">
                  <Link to={`/runs/${encodeURIComponent(run.id)}`}>{run.id}</Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                  {run.error && <div class="muted">{run.error.message}</div>}
                </td>
                <td class="mono">v{run.flow_version}</td>
                <td class="mono">{run.trigger}</td>
                <td title={formatTime(run.created_at)}>{formatAgo(run.created_at)}</td>
                <td>{run.finished_at ? formatDuration(Date.parse(run.finished_at) - Date.parse(run.created_at)) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={runs.cursor} onMore={runs.more} loading={runs.loading} />
    </>
  );
}
