/**
 * A cursor-paginated list that grows with "Load more": the first page reloads when the query changes
 * (or on reload), later pages are appended.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { get, type CallOptions } from "../../lib/api";

type Query = NonNullable<CallOptions["query"]>;

export interface Paged<T> {
  items: T[];
  next: string | null;
  error: unknown;
  loading: boolean;
  loadMore: () => void;
  reload: () => void;
}

export function usePaged<T>(path: string | null, itemsKey: string, query: Query = {}): Paged<T> {
  const [state, setState] = useState<{ items: T[]; next: string | null; error: unknown; loading: boolean }>({
    items: [],
    next: null,
    error: null,
    loading: path !== null,
  });
  const key = path === null ? null : `${path}?${JSON.stringify(query)}`;
  const generation = useRef(0);

  const fetchPage = useCallback(
    (cursor: string | null) => {
      if (path === null) return;
      const mine = ++generation.current;
      setState((s) => ({ ...s, loading: true }));
      get<Record<string, unknown>>(path, { ...query, cursor: cursor ?? undefined }).then(
        (data) => {
          if (mine !== generation.current) return;
          const page = (data[itemsKey] as T[] | undefined) ?? [];
          const next = (data.next_cursor as string | null | undefined) ?? null;
          setState((s) => ({ items: cursor ? [...s.items, ...page] : page, next, error: null, loading: false }));
        },
        (error: unknown) => mine === generation.current && setState((s) => ({ ...s, error, loading: false })),
      );
    },
    // key stands for path and query.
    [key, itemsKey],
  );

  useEffect(() => fetchPage(null), [fetchPage]);

  return {
    ...state,
    loadMore: () => state.next && fetchPage(state.next),
    reload: () => fetchPage(null),
  };
}
