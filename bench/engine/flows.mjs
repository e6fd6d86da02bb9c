/** Flows the benchmark suites build: a chain of `length` nodes, `node(i)` giving each node's YAML lines. */
export function chainFlow(label, length, node) {
  const lines = [`metadata: {name: "bench ${label}"}`, "nodes:"];
  for (let i = 0; i < length; i++) {
    lines.push(`  s${i}:`, ...node(i).map((line) => `    ${line}`));
    if (i < length - 1) lines.push(`    next: {default: s${i + 1}}`);
  }
  return `${lines.join("\n")}\n`;
}
