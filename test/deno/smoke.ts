/**
 * The core on a Deno-compatible runtime: a small flow (transform, condition, template) validated by
 * the flow language and run by the engine, node lifecycle and QuickJS sandbox, unchanged. Prints the
 * run as one JSON line; test/unit/deno-smoke.test.ts spawns it and checks it.
 */
import { runFlow } from "../helpers/run-flow.ts";

const yaml = `
metadata: {name: Deno smoke}
nodes:
  total:
    type: transform
    params: {script: "return { total: input.lines.reduce((sum, l) => sum + l.qty * l.price, 0), customer: input.customer }"}
    next: {default: size}
  size:
    type: condition
    params:
      conditions:
        - {condition: "input.total >= 100", action: big}
    next: {big: big, default: small}
  big:
    type: delay
    params: {duration: "\${input.total > 1000 ? '1h' : '1s'}"}
    next: {default: label}
  label:
    type: transform
    params: {script: "return input.customer + ' spends ' + input.total"}
  small:
    type: transform
    params: {script: "return 'small'"}
`;

const { state, steps } = await runFlow(yaml, {
  customer: "Ada",
  lines: [
    { qty: 2, price: 30 },
    { qty: 1, price: 45 },
  ],
});
console.log(
  JSON.stringify({
    runtime: "Deno" in globalThis ? "deno" : "other",
    status: state.status,
    output: state.output,
    steps: steps.map((s) => s.node_id),
  }),
);
