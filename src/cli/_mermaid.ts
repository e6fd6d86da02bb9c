/**
 * A flow as a Mermaid flowchart: one box per node (shape by kind), one
 * arrow per edge labelled with its action; thick arrows for parallel
 * fan-out, dashed arrows for `error` edges; the start node is outlined.
 */
import type { FlowDefinition } from "../flow";

const RESERVED = new Set([
  "end",
  "graph",
  "flowchart",
  "subgraph",
  "style",
  "linkstyle",
  "classdef",
  "class",
  "click",
  "direction",
  "call",
  "href",
  "default",
]);

/** Mermaid-safe text for a quoted label. */
function escape(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/** Node ids as they can appear in Mermaid: the id itself when safe, else `n_<i>`. */
function mermaidIds(ids: string[]): Map<string, string> {
  const used = new Set(ids.filter((id) => /^[A-Za-z][A-Za-z0-9_]*$/.test(id) && !RESERVED.has(id.toLowerCase())));
  const result = new Map<string, string>();
  let counter = 0;
  for (const id of ids) {
    if (used.has(id)) {
      result.set(id, id);
      continue;
    }
    let alias: string;
    do alias = `n_${++counter}`;
    while (used.has(alias) || ids.includes(alias));
    used.add(alias);
    result.set(id, alias);
  }
  return result;
}

function shape(type: string, label: string): string {
  const text = `"${label}"`;
  if (type === "condition") return `{${text}}`;
  if (type === "wait" || type === "delay") return `([${text}])`;
  if (type === "flow") return `[[${text}]]`;
  return `[${text}]`;
}

export function toMermaid(flow: FlowDefinition): string {
  const ids = Object.keys(flow.nodes);
  const alias = mermaidIds(ids);
  const lines = ["flowchart TD", `  %% ${flow.metadata.name.replace(/\r?\n/g, " ")}`];
  for (const id of ids) {
    const node = flow.nodes[id]!;
    lines.push(`  ${alias.get(id)}${shape(node.type, `${escape(id)}<br/>${escape(node.type)}`)}`);
  }
  for (const id of ids) {
    for (const [action, targets] of Object.entries(flow.nodes[id]!.next)) {
      const arrow = action === "error" ? "-.->" : targets.length > 1 ? "==>" : "-->";
      for (const target of targets) {
        const to = alias.get(target);
        if (to) lines.push(`  ${alias.get(id)} ${arrow}|"${escape(action)}"| ${to}`);
      }
    }
  }
  lines.push("  classDef startNode stroke-width:3px", `  class ${alias.get(flow.start)} startNode`);
  return lines.join("\n") + "\n";
}
