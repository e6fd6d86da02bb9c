import { NodeError } from "../../engine/outcome";
import { evaluateTemplates } from "../../expressions";
import type { NodeDefinition } from "../../flow";
import type { JsonValue } from "../../lib/json";
import type { Sandbox } from "../../sandbox";
import { forwardLogs, type ScriptContext } from "../scripting";

/** `batch.items` evaluated against the node's input (the input itself when absent); must be a list. */
export async function batchItems(
  node: NodeDefinition,
  nodeId: string,
  scope: Record<string, JsonValue>,
  sandbox: Sandbox,
  log: ScriptContext["log"],
): Promise<JsonValue[]> {
  let items = scope.input;
  if (node.batch?.items !== undefined) {
    const evaluated = await evaluateTemplates(node.batch.items as JsonValue, scope, {
      sandbox,
      nodeId,
      pathPrefix: `nodes.${nodeId}.batch.items`,
    });
    forwardLogs(evaluated.logs, log);
    if (!evaluated.ok) throw new NodeError("template_error", evaluated.error.message, { path: evaluated.error.path }, false);
    items = evaluated.value;
  }
  if (!Array.isArray(items))
    throw new NodeError("invalid_batch", `batch.items must be a list, got ${items === null ? "null" : typeof items}`, null, false);
  return items;
}

/**
 * Runs `run` once per item, at most `width` at a time; outputs come back in item order whatever
 * the order of completion. After a failure no further item starts, and the first error is thrown
 * only once the items already running have finished, so no work of this attempt outlives it.
 *
 * An item that reads the scope (a script: it may write `shared`) holds a turn from that read until
 * it finishes, so each sees the `shared` the previous one left and no write is lost. The sandbox runs
 * synchronously anyway; items that never read the scope (an HTTP request) overlap freely.
 */
export async function runBatch(
  items: JsonValue[],
  width: number,
  run: (item: JsonValue, index: number, exclusive: () => Promise<void>) => Promise<JsonValue>,
): Promise<JsonValue[]> {
  const outputs = new Array<JsonValue>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  let turn: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      const held: { release?: () => void } = {};
      const exclusive = async () => {
        if (held.release) return;
        const previous = turn;
        turn = new Promise<void>((resolve) => (held.release = resolve));
        await previous;
      };
      try {
        outputs[index] = await run(items[index]!, index, exclusive);
      } catch (error) {
        failure ??= { error };
      } finally {
        held.release?.();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw failure.error;
  return outputs;
}
