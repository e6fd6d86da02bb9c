/** The runs as a table: status, flow and version, id, trigger, start and duration. */
import { formatAgo, formatDuration, formatTime } from "../../lib/format";
import { Link, StatusBadge } from "../common";
import { splitTrigger } from "../run/run-header";
import { runDuration, type ExecutionSummary } from "../run/types";

export function RunsTable({
  runs,
  flowNames,
  fresh,
  now,
}: {
  runs: ExecutionSummary[];
  flowNames: ReadonlyMap<string, string>;
  fresh: ReadonlySet<string>;
  now: number;
}) {
  return (
    <table class="runs-table" data-testid="runs-table">
      <thead>
        <tr>
          <th>Status</th>
          <th>Flow</th>
          <th>Run</th>
          <th>Trigger</th>
          <th>Started</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          const [type, triggerId] = splitTrigger(run.trigger);
          return (
            <tr key={run.id} class={fresh.has(run.id) ? "row-new" : ""} data-run={run.id} data-status={run.status}>
              <td title={run.error ? `${run.error.code}: ${run.error.message}` : undefined}>
                <StatusBadge status={run.status} />
              </td>
              <td>
                <Link to={`/flows/${encodeURIComponent(run.flow_id)}`}>{flowNames.get(run.flow_id) ?? run.flow_id}</Link>{" "}
                <span class="badge" title="Flow version">
                  v{run.flow_version}
                </span>
              </td>
              <td>
                <Link to={`/runs/${encodeURIComponent(run.id)}`} class="mono">
                  {run.id}
                </Link>
              </td>
              <td>
                <span class="badge">{type}</span>{" "}
                {triggerId && (
                  <span class="mono muted trigger-id" title={triggerId}>
                    {triggerId}
                  </span>
                )}
              </td>
              <td title={formatTime(run.created_at)}>{Date.parse(run.created_at) >= now ? "just now" : formatAgo(run.created_at, now)}</td>
              <td>
                {formatDuration(Math.max(0, runDuration(run.created_at, run.finished_at, now)))}
                {!run.finished_at && <span class="muted"> so far</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
