/**
 * Every run of the account, newest first, filtered by flow, status, trigger and start time (the URL
 * keeps the filters). The list follows new runs and status changes live while the tab is visible.
 * The time range is a window that moves with the clock ("the last hour"), so it is applied to the
 * loaded rows rather than sent as the API's `since` (which would re-query every second); rows come
 * newest first, so paging stops once they are older than the range.
 */
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorBox, Loading, PageHeader, Pager } from "../components/common";
import type { FlowPage, FlowSummary } from "../components/flows/flow-types";
import { isFinal } from "../components/run/types";
import { useNow } from "../components/run/use-now";
import { readRunsQuery, RunsFilters, TIME_RANGES, type RunsQuery } from "../components/runs/runs-filters";
import { RunsTable } from "../components/runs/runs-table";
import { useRunList } from "../components/runs/use-run-list";
import { get } from "../lib/api";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "../components/runs/runs.css";

export function RunsListPage({ query }: PageProps) {
  const filters = readRunsQuery(query);
  const flows = useFlows();
  const list = useRunList({
    flow_id: filters.flow || undefined,
    status: filters.status || undefined,
    trigger_type: filters.trigger || undefined,
  });
  const now = useNow(list.items.some((r) => !isFinal(r.status)) || filters.time !== "", 1000);

  const range = TIME_RANGES.find((t) => t.value === filters.time)?.ms ?? null;
  const cutoff = range === null ? null : new Date(now - range).toISOString();
  const shown = cutoff ? list.items.filter((r) => r.created_at >= cutoff) : list.items;
  // Newest first: once the last loaded row is older than the range, no later page can match.
  const more = cutoff && list.items.length > 0 && list.items.at(-1)!.created_at < cutoff ? null : list.cursor;

  const change = (next: RunsQuery) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) if (value) params.set(key, value);
    const search = params.toString();
    navigate(`/runs${search ? `?${search}` : ""}`, true);
  };

  return (
    <div class="runs-page">
      <PageHeader title="Runs" subtitle="Every execution of your flows, newest first. The list updates itself every few seconds." />
      <RunsFilters value={filters} flows={flows} onChange={change} />
      <ErrorBox error={list.error} title="Runs could not be loaded" />
      {list.loading ? (
        <Loading label="Loading runs…" />
      ) : shown.length === 0 ? (
        <Empty>
          {list.items.length === 0 && !filters.flow && !filters.status && !filters.trigger
            ? "No runs yet. Start one from a flow's page, or through the API."
            : "No runs match these filters."}
        </Empty>
      ) : (
        <RunsTable runs={shown} flowNames={new Map(flows.map((f) => [f.id, f.name]))} fresh={list.fresh} now={now} />
      )}
      {cutoff && shown.length > 0 && <p class="muted runs-note">Showing runs started since {new Date(cutoff).toLocaleString()}.</p>}
      <Pager cursor={more} onMore={list.loadMore} loading={list.loadingMore} />
    </div>
  );
}

/** The account's flows, for the filter and for naming the flow of each run. */
function useFlows(): FlowSummary[] {
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  useEffect(() => {
    let alive = true;
    const load = async () => {
      const all: FlowSummary[] = [];
      let cursor: string | null = null;
      // Ten pages of a hundred: enough for the filter; a run of a flow beyond shows the flow's id.
      for (let page = 0; page < 10; page++) {
        const answer: FlowPage = await get("/api/v1/flows", { limit: 100, cursor });
        all.push(...answer.flows);
        cursor = answer.next_cursor;
        if (!cursor) break;
      }
      if (alive) setFlows(all.sort((a, b) => a.name.localeCompare(b.name)));
    };
    load().catch(() => alive && setFlows([]));
    return () => {
      alive = false;
    };
  }, []);
  return flows;
}
