/** The account's flows by id (their newest 100), to name flows in lists and offer them in filters. */
import { useMemo } from "preact/hooks";
import { useApi } from "../../lib/use-api";
import type { FlowPage, FlowSummary } from "./types";

export function useFlowNames(): { flows: FlowSummary[]; nameOf: (id: string | null) => string } {
  const { data } = useApi<FlowPage>("/api/v1/flows", { limit: 100 });
  return useMemo(() => {
    const flows = data?.flows ?? [];
    const names = new Map(flows.map((f) => [f.id, f.name]));
    return { flows, nameOf: (id: string | null) => (id ? (names.get(id) ?? id) : "") };
  }, [data]);
}
