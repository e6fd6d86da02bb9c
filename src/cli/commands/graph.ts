import { existsSync } from "node:fs";
import { EXIT, str, type Command } from "../_command";
import { toMermaid } from "../_mermaid";
import { out, printJson } from "../_output";
import { readInput } from "../_prompt";
import type { FlowDetail, FlowVersionView } from "../../services/flow-schemas";
import { resolveFlowId } from "./flows";
import { printIssues } from "./validate";

export const graph: Command = {
  name: "graph",
  summary: "Print a flow as a Mermaid flowchart",
  args: "<file|flow>",
  arity: { min: 1, max: 1 },
  description: [
    "The argument is a YAML file (or `-` for stdin) when such a file exists, else a flow id or name on the",
    "server. Boxes are nodes (diamonds: conditions, rounded: waits and delays, double: sub-flows); arrows are",
    "labelled with their action; thick arrows are parallel branches (a list of targets), dashed arrows are",
    "`error` edges; the start node has a thick border. Paste the output into a ```mermaid block.",
  ].join("\n"),
  options: {
    version: { type: "string", value: "n", description: "A stored version of the flow instead of the current one" },
  },
  examples: [
    "flowrunner graph examples/parallel-join.yaml",
    "flowrunner graph flw_0123456789abcdefghijklmno > flow.mmd",
    'flowrunner graph "Order sync" --version 2',
  ],
  async run(ctx) {
    const target = ctx.args[0]!;
    let source: string;
    let label = target;
    let name: string | undefined;
    if (target === "-" || existsSync(target)) {
      source = await readInput(target);
      if (target === "-") label = "<stdin>";
    } else {
      const client = await ctx.client();
      const id = await resolveFlowId(client, target);
      const version = str(ctx.opts, "version");
      const path = version ? `/api/v1/flows/${id}/versions/${encodeURIComponent(version)}` : `/api/v1/flows/${id}`;
      const flow = await client.get<FlowDetail | Required<FlowVersionView>>(path);
      ({ content: source, name } = flow);
      label = id;
    }
    const { validateFlow } = await import("../../flow");
    const result = validateFlow(source, { ...(name ? { name } : {}), unknownPluginTypes: "warn" });
    if (!result.valid || !result.flow) {
      printIssues(label, result);
      return EXIT.failed;
    }
    const mermaid = toMermaid(result.flow);
    if (ctx.json) printJson({ mermaid, start: result.flow.start, nodes: Object.keys(result.flow.nodes) });
    else out(mermaid.trimEnd());
  },
};
