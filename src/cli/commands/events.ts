import { str, UsageError, type Command, type Group } from "../_command";
import { out, printJson } from "../_output";
import { readInput } from "../_prompt";
import type { EventDelivery } from "../../services/execution-schemas";

const send: Command = {
  name: "send",
  summary: "Send a named event to a run; it resumes the nodes waiting for it",
  args: "<execution> <name>",
  arity: { min: 2, max: 2 },
  description:
    "The payload (any JSON; default null) becomes the output of the wait node. An event nothing waits for yet is kept for the first wait that asks for it.",
  options: {
    data: { type: "string", value: "json", description: "Payload as a JSON string" },
    "data-file": { type: "string", value: "file", description: "Payload from a JSON file (`-` for stdin)" },
  },
  examples: [
    'flowrunner events send exe_0123456789abcdefghijklmno approval --data \'{"approved": true, "by": "lee"}\'',
    "flowrunner events send exe_0123456789abcdefghijklmno payment-received --data-file payment.json",
  ],
  async run(ctx) {
    const inline = str(ctx.opts, "data");
    const file = str(ctx.opts, "data-file");
    if (inline !== undefined && file !== undefined) throw new UsageError("give either --data or --data-file, not both");
    const text = file !== undefined ? await readInput(file) : inline;
    let payload: unknown = null;
    if (text !== undefined) {
      try {
        payload = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`the payload is not valid JSON: ${(error as Error).message}`);
      }
    }
    const client = await ctx.client();
    const [id, name] = ctx.args as [string, string];
    const result = await client.post<EventDelivery>(
      `/api/v1/executions/${encodeURIComponent(id)}/events/${encodeURIComponent(name)}`,
      JSON.stringify(payload),
      { contentType: "application/json" },
    );
    if (ctx.json) return printJson(result);
    const resumed =
      result.delivered === 0
        ? "kept until a node waits for it"
        : `resumed ${result.delivered} waiting node${result.delivered > 1 ? "s" : ""}`;
    out(`Sent '${name}' to ${id}: ${resumed} (run is ${result.execution.status})`);
  },
};

export const events: Group = { name: "events", summary: "Send events to runs waiting for them", commands: [send] };
