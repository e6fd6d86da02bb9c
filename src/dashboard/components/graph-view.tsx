/**
 * A flow drawn as boxes and arrows (SVG). Nodes can carry a state (a run's page colours them live) and
 * be selected. Every label is a text node, so a node id holding markup shows as text.
 */
import { useMemo } from "preact/hooks";
import { layoutGraph, type FlowGraph } from "../lib/flow-graph";

/** How a node of a run stands: the colour it gets. */
export type NodeState = "pending" | "running" | "waiting" | "completed" | "failed" | "retrying" | "cancelled" | "skipped";

export interface GraphViewProps {
  graph: FlowGraph;
  states?: Record<string, NodeState>;
  selected?: string | null;
  onSelect?: (nodeId: string) => void;
}

export function GraphView({ graph, states, selected, onSelect }: GraphViewProps) {
  const placed = useMemo(() => layoutGraph(graph), [graph]);
  return (
    <div class="graph" data-testid="flow-graph">
      {graph.triggers.length > 0 && (
        <ul class="graph-triggers" aria-label="Triggers">
          {graph.triggers.map((t) => (
            <li key={t.id} class={t.enabled ? "" : "disabled"} title={t.enabled ? "" : "declared enabled: false"}>
              <span class="badge">{t.type}</span> {t.id}: {t.summary}
            </li>
          ))}
        </ul>
      )}
      <svg
        viewBox={`0 0 ${Math.max(placed.width, 1)} ${Math.max(placed.height, 1)}`}
        width={placed.width}
        height={placed.height}
        role="img"
        aria-label="Flow graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
        </defs>
        {placed.edges.map((edge, i) => (
          <g key={`e${i}`} class={`edge action-${edge.action === "error" ? "error" : edge.action === "default" ? "default" : "named"}`}>
            <path d={pathOf(edge.points)} marker-end="url(#arrow)" />
            {edge.label && (
              <text x={edge.label.x} y={edge.label.y} class="edge-label" text-anchor="middle" dominant-baseline="middle">
                {edge.action}
              </text>
            )}
          </g>
        ))}
        {placed.nodes.map((node) => {
          const state = states?.[node.id] ?? (states ? "pending" : undefined);
          const classes = [
            "node",
            state ? `state-${state}` : "",
            node.id === selected ? "selected" : "",
            node.id === graph.start ? "start" : "",
          ];
          return (
            <g
              key={node.id}
              class={classes.filter(Boolean).join(" ")}
              data-node={node.id}
              data-state={state}
              transform={`translate(${node.x - node.width / 2}, ${node.y - node.height / 2})`}
              onClick={onSelect ? () => onSelect(node.id) : undefined}
              tabIndex={onSelect ? 0 : undefined}
              onKeyDown={onSelect ? (e) => (e.key === "Enter" || e.key === " ") && onSelect(node.id) : undefined}
              role={onSelect ? "button" : undefined}
              aria-label={`${node.id} (${node.type})${state ? `, ${state}` : ""}`}
            >
              <rect width={node.width} height={node.height} rx="8" />
              <text x="12" y="20" class="node-id">
                {clip(node.id, 20)}
              </text>
              <text x="12" y="37" class="node-type">
                {clip(node.type, 24)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function pathOf(points: { x: number; y: number }[]): string {
  if (points.length === 0) return "";
  return points.map((p, i) => `${i === 0 ? "M" : "L"} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(" ");
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
