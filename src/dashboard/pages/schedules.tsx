/** Cron schedules of the account's flows: when they fire next, their recent ticks; pause, resume, run now. */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { Empty, ErrorBox, Link, Loading, PageHeader, Pager, StatusBadge } from "../components/common";
import { useAction } from "../components/account/pieces";
import type { Schedule } from "../components/account/types";
import { useFlowNames } from "../components/account/use-flow-names";
import { usePaged } from "../components/account/use-paged";
import type { Execution } from "../components/run/types";
import { call } from "../lib/api";
import { formatAgo, formatTime } from "../lib/format";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "../components/account/account.css";

export function SchedulesPage({ query }: PageProps) {
  const flowId = query.get("flow") ?? "";
  const list = usePaged<Schedule>("/api/v1/schedules", "schedules", { flow_id: flowId, limit: 50 });
  const { flows, nameOf } = useFlowNames();
  const [open, setOpen] = useState<string | null>(null);
  const action = useAction();

  async function setPaused(schedule: Schedule, paused: boolean) {
    const answer = await action.run(
      async () => (await call<Schedule>(`/api/v1/schedules/${schedule.id}/${paused ? "pause" : "resume"}`, { method: "POST" })).data,
    );
    if (answer) list.reload();
  }

  async function runNow(schedule: Schedule) {
    const answer = await action.run(async () => (await call<Execution>(`/api/v1/schedules/${schedule.id}/run`, { method: "POST" })).data);
    if (answer) navigate(`/runs/${answer.id}`);
  }

  return (
    <>
      <PageHeader title="Schedules" subtitle="The cron triggers of your flows and those made by cron nodes.">
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </PageHeader>
      <div class="filters">
        <label>
          Flow
          <select
            value={flowId}
            aria-label="Flow"
            onChange={(e) =>
              navigate(e.currentTarget.value ? `/schedules?flow=${encodeURIComponent(e.currentTarget.value)}` : "/schedules", true)
            }
          >
            <option value="">All flows</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={action.error} title="The schedule did not change" />
      <ErrorBox error={list.error} />
      {list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <Empty>
          No schedules{flowId ? " for this flow" : ""}. A flow gets one with a <code>cron</code> trigger.
        </Empty>
      ) : (
        <table aria-label="Schedules">
          <thead>
            <tr>
              <th>Flow / trigger</th>
              <th>Expression</th>
              <th>Time zone</th>
              <th>State</th>
              <th>Next fire</th>
              <th>Last tick</th>
              <th class="actions" />
            </tr>
          </thead>
          <tbody>
            {list.items.map((s) => (
              <Fragment key={s.id}>
                <tr data-schedule={s.id}>
                  <td>
                    <Link to={`/flows/${s.flow_id}`}>{nameOf(s.flow_id)}</Link>
                    <div class="muted">
                      {s.key}
                      {s.source === "node" && <span class="badge"> cron node</span>}
                    </div>
                  </td>
                  <td class="mono">{s.cron}</td>
                  <td>{s.timezone}</td>
                  <td>
                    <StatusBadge status={s.state} />
                  </td>
                  <td title={formatTime(s.next_fire_at)}>{s.next_fire_at ? formatAgo(s.next_fire_at) : "—"}</td>
                  <td title={formatTime(s.last_tick_at)}>{formatAgo(s.last_tick_at)}</td>
                  <td class="actions">
                    <button type="button" class="ghost" aria-expanded={open === s.id} onClick={() => setOpen(open === s.id ? null : s.id)}>
                      Ticks ({s.recent.length})
                    </button>
                    {s.paused ? (
                      <button type="button" disabled={action.busy} onClick={() => void setPaused(s, false)}>
                        Resume
                      </button>
                    ) : (
                      <button type="button" disabled={action.busy} onClick={() => void setPaused(s, true)}>
                        Pause
                      </button>
                    )}
                    <button type="button" class="primary" disabled={action.busy} onClick={() => void runNow(s)}>
                      Run now
                    </button>
                  </td>
                </tr>
                {open === s.id && (
                  <tr class="expanded">
                    <td colSpan={7}>
                      <RecentTicks schedule={s} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={list.next} onMore={list.loadMore} loading={list.loading} />
    </>
  );
}

function RecentTicks({ schedule }: { schedule: Schedule }) {
  if (schedule.recent.length === 0) return <p class="muted">No ticks yet.</p>;
  return (
    <table aria-label={`Recent ticks of ${schedule.key}`}>
      <thead>
        <tr>
          <th>Tick</th>
          <th>Fired</th>
          <th>Outcome</th>
          <th>Run</th>
        </tr>
      </thead>
      <tbody>
        {schedule.recent.map((t) => (
          <tr key={`${t.tick_at}-${t.at}`}>
            <td>{formatTime(t.tick_at)}</td>
            <td>{formatTime(t.at)}</td>
            <td>
              <span class="badge">{t.outcome}</span> {t.message && <span class="muted">{t.message}</span>}
            </td>
            <td>{t.execution_id ? <Link to={`/runs/${t.execution_id}`}>{t.execution_id}</Link> : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
