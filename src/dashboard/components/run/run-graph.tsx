/**
 * The run's flow, as the version it is pinned to, coloured by the state of each node. The graph
 * comes from that version's YAML, drawn by the server's validator (POST /flows/validate).
 */
import { useEffect, useState } from "preact/hooks";
import { call, get } from "../../lib/api";
import type { FlowGraph } from "../../lib/flow-graph";
import { ErrorBox, Loading } from "../common";
import type { FlowValidation, FlowVersion } from "../flows/flow-types";
import { GraphView, type NodeState } from "../graph-view";

interface DrawnVersion {
  flow: FlowVersion;
  graph: FlowGraph | null;
  problem: string | null;
}

/** A version never changes: each is fetched and drawn once per page load. */
const drawn = new Map<string, Promise<DrawnVersion>>();

function drawVersion(flowId: string, version: number): Promise<DrawnVersion> {
  const key = `${flowId}@${version}`;
  let found = drawn.get(key);
  if (!found) {
    found = (async () => {
      const flow = await get<FlowVersion>(`/api/v1/flows/${encodeURIComponent(flowId)}/versions/${version}`);
      const checked = await call<FlowValidation>("/api/v1/flows/validate", {
        method: "POST",
        json: { content: flow.content ?? "" },
      });
      const graph = checked.data.graph ?? null;
      return { flow, graph, problem: graph ? null : (checked.data.errors[0]?.message ?? "This version no longer validates.") };
    })();
    drawn.set(key, found);
    // A failure is not kept: the next visit tries again.
    found.catch(() => drawn.delete(key));
  }
  return found;
}

/** The pinned version and its graph, or why there is none. */
export function useRunFlow(flowId: string | undefined, version: number | undefined) {
  const [state, setState] = useState<{ flow: FlowVersion | null; graph: FlowGraph | null; error: unknown; problem: string | null }>({
    flow: null,
    graph: null,
    error: null,
    problem: null,
  });
  useEffect(() => {
    if (!flowId || version === undefined) return;
    let alive = true;
    drawVersion(flowId, version).then(
      (found) => alive && setState({ ...found, error: null }),
      (error: unknown) => alive && setState((s) => ({ ...s, error })),
    );
    return () => {
      alive = false;
    };
  }, [flowId, version]);
  return state;
}

export function RunGraph({
  graph,
  error,
  problem,
  states,
  selected,
  onSelect,
}: {
  graph: FlowGraph | null;
  error: unknown;
  problem: string | null;
  states: Record<string, NodeState>;
  selected: string | null;
  onSelect: (node: string) => void;
}) {
  if (error) return <ErrorBox error={error} title="The flow of this run could not be loaded" />;
  if (problem) return <p class="muted">The graph cannot be drawn: {problem}</p>;
  if (!graph) return <Loading label="Drawing the flow…" />;
  return (
    <div class="run-graph">
      <GraphView graph={graph} states={states} selected={selected} onSelect={onSelect} />
      <Legend />
    </div>
  );
}

const LEGEND: NodeState[] = ["pending", "running", "waiting", "retrying", "completed", "failed", "cancelled"];

function Legend() {
  return (
    <ul class="graph-legend" aria-label="Node states">
      {LEGEND.map((state) => (
        <li key={state}>
          <span class={`swatch swatch-${state}`} />
          {state}
        </li>
      ))}
    </ul>
  );
}
