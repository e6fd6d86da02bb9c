/**
 * A cursor-paginated list (`{<key>: [...], next_cursor}`) loaded page by page: the first page again
 * whenever the query changes, the next one appended on `more()`.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { get, type CallOptions } from "../../lib/api";

export interface Paged<T> {
  items: T[];
  cursor: string | null;
  error: unknown;
  loading: boolean;
  more: () => void;
  reload: () => void;
}

export function usePaged<T>(path: string, key: string, query: CallOptions["query"]): Paged<T> {
  const [state, setState] = useState<{ items: T[]; cursor: string | null; error: unknown; loading: boolean }>({
    items: [],
    cursor: null,
    error: null,
    loading: true,
  });
  const queryKey = `${path}?${JSON.stringify(query ?? {})}`;
  const controller = useRef<AbortController | null>(null);

  const load = useCallback(
    (cursor: string | null) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      setState((s) => ({ ...s, loading: true, ...(cursor ? {} : { cursor: null }) }));
      get<Record<string, unknown>>(path, { ...query, cursor: cursor ?? undefined }, current.signal).then(
        (page) => {
          if (current !== controller.current) return;
          const items = (page[key] as T[] | undefined) ?? [];
          const next = (page.next_cursor as string | null | undefined) ?? null;
          setState((s) => ({ items: cursor ? [...s.items, ...items] : items, cursor: next, error: null, loading: false }));
        },
        (error: unknown) => {
          if (current !== controller.current || (error instanceof DOMException && error.name === "AbortError")) return;
          setState((s) => ({ ...s, error, loading: false }));
        },
      );
    },
    // queryKey stands for path, key and query.
    [queryKey],
  );

  useEffect(() => {
    load(null);
    return () => controller.current?.abort();
  }, [load]);

  return { ...state, more: () => state.cursor && load(state.cursor), reload: () => load(null) };
}
