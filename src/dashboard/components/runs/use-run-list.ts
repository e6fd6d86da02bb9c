/**
 * A page of runs that stays current: the first page is fetched again every few seconds while the tab
 * is visible and merged into what is shown, so rows loaded with "Load more" stay, finished runs change
 * status in place and new runs appear on top (their ids are reported as `fresh` for a moment).
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { get } from "../../lib/api";
import type { ExecutionPage, ExecutionSummary } from "../run/types";
import { mergePage } from "./merge-page";

export interface RunFilter {
  flow_id?: string;
  status?: string;
  trigger_type?: string;
}

export interface RunList {
  items: ExecutionSummary[];
  cursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  fresh: ReadonlySet<string>;
  loadMore: () => void;
}

const PAGE = 25;
/** The API's largest page: a refresh covers at most this many rows; older ones keep their last state. */
const MAX_PAGE = 100;
const FRESH_MS = 2500;

export function useRunList(filter: RunFilter, refreshMs = 3000): RunList {
  const [items, setItems] = useState<ExecutionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  // `busy`: the first load or a refresh is in flight; `more`: a Load more is. They may overlap: the merge keeps rows either added.
  const current = useRef({ items, cursor, busy: false, more: false, generation: 0 });
  current.current.items = items;
  current.current.cursor = cursor;
  const key = JSON.stringify(filter);

  // The ref follows at once, so a refresh and a Load more finishing together both see the other's rows.
  const show = (rows: ExecutionSummary[], next: string | null) => {
    current.current.items = rows;
    current.current.cursor = next;
    setItems(rows);
    setCursor(next);
  };

  const fetchPage = (limit: number, after?: string) => get<ExecutionPage>("/api/v1/executions", { ...filter, limit, cursor: after });

  useEffect(() => {
    const generation = ++current.current.generation;
    current.current.busy = true;
    current.current.more = false;
    setLoading(true);
    show([], null);
    setFresh(new Set());
    fetchPage(PAGE)
      .then(
        (page) => {
          if (generation !== current.current.generation) return;
          show(page.executions, page.next_cursor);
          setError(null);
        },
        (caught: unknown) => generation === current.current.generation && setError(caught),
      )
      .finally(() => {
        if (generation !== current.current.generation) return;
        current.current.busy = false;
        setLoading(false);
      });
    // key stands for the filter's values.
  }, [key]);

  useEffect(() => {
    const timer = setInterval(() => {
      const state = current.current;
      if (document.visibilityState !== "visible" || state.busy) return;
      const generation = state.generation;
      state.busy = true;
      const limit = Math.min(Math.max(state.items.length, PAGE), MAX_PAGE);
      fetchPage(limit)
        .then(
          (page) => {
            if (generation !== current.current.generation) return;
            const merged = mergePage(current.current.items, current.current.cursor, page);
            if (merged.added.length > 0) {
              setFresh((f) => new Set([...f, ...merged.added]));
              setTimeout(() => setFresh((f) => new Set([...f].filter((id) => !merged.added.includes(id)))), FRESH_MS);
            }
            show(merged.items, merged.cursor);
            setError(null);
          },
          (caught: unknown) => generation === current.current.generation && setError(caught),
        )
        .finally(() => {
          if (generation === current.current.generation) current.current.busy = false;
        });
    }, refreshMs);
    return () => clearInterval(timer);
  }, [key, refreshMs]);

  const loadMore = useCallback(() => {
    const state = current.current;
    if (!state.cursor || state.more) return;
    const generation = state.generation;
    state.more = true;
    setLoadingMore(true);
    fetchPage(PAGE, state.cursor)
      .then(
        (page) => {
          if (generation !== current.current.generation) return;
          const known = new Set(current.current.items.map((e) => e.id));
          show([...current.current.items, ...page.executions.filter((e) => !known.has(e.id))], page.next_cursor);
        },
        (caught: unknown) => generation === current.current.generation && setError(caught),
      )
      .finally(() => {
        if (generation !== current.current.generation) return;
        current.current.more = false;
        setLoadingMore(false);
      });
  }, [key]);

  return { items, cursor, loading, loadingMore, error, fresh, loadMore };
}
