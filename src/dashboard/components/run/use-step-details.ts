/** The whole input and output of one step when the list only has previews, and a node's log lines. */
import { useEffect, useState } from "preact/hooks";
import { get } from "../../lib/api";
import { coalesce } from "./coalesce";
import { isTruncated, type LogLine, type LogList, type Step, type StepList } from "./types";

export function useFullStep(executionId: string, step: Step | null): { step: Step | null; loading: boolean; error: unknown } {
  const [full, setFull] = useState<{ step: Step | null; loading: boolean; error: unknown }>({ step: null, loading: false, error: null });
  const needed = step !== null && (isTruncated(step.input) || isTruncated(step.output));
  const key = step ? `${step.seq}:${step.status}` : "";
  useEffect(() => {
    if (!step || !needed) {
      setFull({ step: null, loading: false, error: null });
      return;
    }
    let alive = true;
    setFull({ step: null, loading: true, error: null });
    get<StepList>(`/api/v1/executions/${encodeURIComponent(executionId)}/steps`, {
      node_id: step.node_id,
      after: step.seq - 1,
      limit: 1,
      full: "true",
    }).then(
      ({ steps }) => alive && setFull({ step: steps[0] ?? null, loading: false, error: null }),
      (error: unknown) => alive && setFull({ step: null, loading: false, error }),
    );
    return () => {
      alive = false;
    };
  }, [executionId, key, needed]);
  return full;
}

const LOG_PAGE = 1000;

/** The node's log lines, fetched again (at most every second) as `cue` changes while the run goes on. */
export function useNodeLogs(executionId: string, nodeId: string | null, cue: number): { logs: LogLine[]; error: unknown } {
  const [state, setState] = useState<{ logs: LogLine[]; error: unknown }>({ logs: [], error: null });
  const [worker, setWorker] = useState<{ request: () => void } | null>(null);
  useEffect(() => {
    setState({ logs: [], error: null });
    if (!nodeId) return;
    let alive = true;
    let logs: LogLine[] = [];
    const sync = coalesce(async () => {
      try {
        for (;;) {
          const page = await get<LogList>(`/api/v1/executions/${encodeURIComponent(executionId)}/logs`, {
            node_id: nodeId,
            after: logs.at(-1)?.seq ?? 0,
            limit: LOG_PAGE,
          });
          logs = [...logs, ...page.logs];
          if (page.logs.length < LOG_PAGE) break;
        }
        if (alive) setState({ logs, error: null });
      } catch (error) {
        if (alive) setState((s) => ({ ...s, error }));
      }
    }, 1000);
    sync.request();
    setWorker(sync);
    return () => {
      alive = false;
      sync.cancel();
    };
  }, [executionId, nodeId]);
  useEffect(() => {
    if (cue > 0) worker?.request();
  }, [cue, worker]);
  return state;
}
