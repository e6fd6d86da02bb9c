/**
 * The run's step records, kept in step with its events. Records only change while they are running
 * or waiting, so each refresh asks for the steps from the oldest unfinished one on (`after`), a
 * thousand at a time, instead of the whole list again.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { get } from "../../lib/api";
import { coalesce } from "./coalesce";
import type { Step, StepList } from "./types";

const PAGE = 1000;
const OPEN = ["running", "waiting"];

export interface RunSteps {
  steps: Step[];
  loaded: boolean;
  error: unknown;
}

/** Follows the run's steps; `cue` changes whenever the run recorded something new. */
export function useSteps(executionId: string, cue: number): RunSteps {
  const [state, setState] = useState<RunSteps>({ steps: [], loaded: false, error: null });
  const sync = useRef<{ request: () => void } | null>(null);

  useEffect(() => {
    setState({ steps: [], loaded: false, error: null });
    let steps: Step[] = [];
    let alive = true;
    const worker = coalesce(async () => {
      try {
        const open = steps.find((s) => OPEN.includes(s.status));
        let after = open ? open.seq - 1 : (steps.at(-1)?.seq ?? 0);
        for (;;) {
          const page = await get<StepList>(`/api/v1/executions/${encodeURIComponent(executionId)}/steps`, {
            after,
            limit: PAGE,
          });
          steps = merge(steps, page.steps);
          if (page.steps.length < PAGE) break;
          after = page.steps.at(-1)!.seq;
        }
        if (alive) setState({ steps, loaded: true, error: null });
      } catch (error) {
        if (alive) setState((s) => ({ ...s, loaded: true, error }));
      }
    }, 500);
    sync.current = worker;
    worker.request();
    return () => {
      alive = false;
      worker.cancel();
    };
  }, [executionId]);

  useEffect(() => {
    if (cue > 0) sync.current?.request();
  }, [cue]);

  return state;
}

/** `fresh` replaces the records with the same seq and adds the others, in seq order. */
function merge(steps: Step[], fresh: Step[]): Step[] {
  if (fresh.length === 0) return steps;
  const first = fresh[0]!.seq;
  const kept = steps.filter((s) => s.seq < first);
  const bySeq = new Map(fresh.map((s) => [s.seq, s]));
  // Records after the first fresh one that the answer did not repeat cannot exist: the list is contiguous.
  return [...kept, ...[...bySeq.values()].sort((a, b) => a.seq - b.seq)];
}
