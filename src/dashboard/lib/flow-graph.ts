/**
 * The flow graph as the API draws it (`graph` of POST /api/v1/flows/validate, src/flow/graph-view.ts)
 * laid out top to bottom by dagre: positions only, no rendering here.
 */
import { Graph, layout } from "@dagrejs/dagre";
import type { FlowValidation } from "../../services/flow-schemas";

export type FlowGraph = NonNullable<FlowValidation["graph"]>;

export interface PlacedNode {
  id: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  action: string;
  points: { x: number; y: number }[];
  label: { x: number; y: number } | null;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 48;

export function layoutGraph(graph: FlowGraph): Layout {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 56, edgesep: 16, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  graph.edges.forEach((edge, i) => {
    const labelled = edge.action !== "default";
    g.setEdge(edge.from, edge.to, { width: labelled ? edge.action.length * 7 + 8 : 0, height: labelled ? 16 : 0, labelpos: "c" }, `e${i}`);
  });
  layout(g);
  const nodes = graph.nodes.map((node) => {
    const placed = g.node(node.id) as { x: number; y: number; width: number; height: number };
    return { id: node.id, type: node.type, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
  });
  const edges = graph.edges.map((edge, i) => {
    const placed = g.edge({ v: edge.from, w: edge.to, name: `e${i}` }) as { points?: { x: number; y: number }[]; x?: number; y?: number };
    const label = edge.action !== "default" && placed.x !== undefined && placed.y !== undefined ? { x: placed.x, y: placed.y } : null;
    return { ...edge, points: placed.points ?? [], label };
  });
  const size = g.graph() as { width?: number; height?: number };
  return { width: size.width ?? 0, height: size.height ?? 0, nodes, edges };
}
