/** The runs list's filters; their values live in the page's URL so a filtered list can be bookmarked. */
// A module of constants and types only: the bundle gets the two lists.
import { EXECUTION_STATUSES, RUN_TRIGGER_TYPES } from "../../../engine/types";

export interface RunsQuery {
  flow: string;
  status: string;
  trigger: string;
  time: string;
}

export const TIME_RANGES: { value: string; label: string; ms: number | null }[] = [
  { value: "", label: "Any time", ms: null },
  { value: "hour", label: "Last hour", ms: 3_600_000 },
  { value: "day", label: "Last 24 hours", ms: 86_400_000 },
  { value: "week", label: "Last 7 days", ms: 604_800_000 },
];

export function readRunsQuery(query: URLSearchParams): RunsQuery {
  const pick = (key: string, allowed?: readonly string[]) => {
    const value = query.get(key) ?? "";
    return allowed && !allowed.includes(value) ? "" : value;
  };
  return {
    flow: pick("flow"),
    status: pick("status", EXECUTION_STATUSES),
    trigger: pick("trigger", RUN_TRIGGER_TYPES),
    time: pick(
      "time",
      TIME_RANGES.map((t) => t.value),
    ),
  };
}

export function RunsFilters({
  value,
  flows,
  onChange,
}: {
  value: RunsQuery;
  flows: { id: string; name: string }[];
  onChange: (next: RunsQuery) => void;
}) {
  const set = (key: keyof RunsQuery) => (e: Event) => onChange({ ...value, [key]: (e.currentTarget as HTMLSelectElement).value });
  const any = value.flow || value.status || value.trigger || value.time;
  return (
    <form class="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <label>
        Flow
        <select aria-label="Flow" value={value.flow} onChange={set("flow")}>
          <option value="">All flows</option>
          {flows.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
          {value.flow && !flows.some((f) => f.id === value.flow) && <option value={value.flow}>{value.flow}</option>}
        </select>
      </label>
      <label>
        Status
        <select aria-label="Status" value={value.status} onChange={set("status")}>
          <option value="">Any status</option>
          {EXECUTION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Trigger
        <select aria-label="Trigger" value={value.trigger} onChange={set("trigger")}>
          <option value="">Any trigger</option>
          {RUN_TRIGGER_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Started
        <select aria-label="Started" value={value.time} onChange={set("time")}>
          {TIME_RANGES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      {any && (
        <button type="button" class="ghost" onClick={() => onChange({ flow: "", status: "", trigger: "", time: "" })}>
          Clear filters
        </button>
      )}
    </form>
  );
}
