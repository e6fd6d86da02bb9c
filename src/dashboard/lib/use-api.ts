/** Loading an API answer into a component: data, error, loading, and reload (also on an interval). */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { get, type CallOptions } from "./api";

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (null: nothing yet) with `query`, again when either changes, and every `refreshMs` while
 * the page is visible. A newer request supersedes an older one still in flight.
 */
export function useApi<T>(path: string | null, query?: CallOptions["query"], refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const key = path === null ? null : `${path}?${JSON.stringify(query ?? {})}`;
  const controller = useRef<AbortController | null>(null);
  const load = useCallback(
    (quiet: boolean) => {
      if (path === null) return;
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      if (!quiet) setState((s) => ({ ...s, loading: true }));
      get<T>(path, query, current.signal).then(
        (data) => current === controller.current && setState({ data, error: null, loading: false }),
        (error: unknown) => {
          if (current !== controller.current || (error instanceof DOMException && error.name === "AbortError")) return;
          setState((s) => ({ data: s.data, error, loading: false }));
        },
      );
    },
    // key stands for path and query: a new object with the same values must not reload.
    [key],
  );
  useEffect(() => {
    load(false);
    return () => controller.current?.abort();
  }, [load]);
  useEffect(() => {
    if (!refreshMs) return;
    const timer = setInterval(() => document.visibilityState === "visible" && load(true), refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  return { ...state, reload: () => load(true) };
}
