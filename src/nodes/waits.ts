import { parseDuration } from "../lib/duration";
import type { JsonValue } from "../lib/json";
import { NodeError, type NodeOutcome } from "../engine/outcome";
import type { NodeContext, NodeImplementation } from "./types";

function durationMs(value: JsonValue | undefined, param: string): number {
  const ms = typeof value === "string" || typeof value === "number" ? parseDuration(value) : undefined;
  if (ms === undefined) throw new NodeError("invalid_params", `'${param}' is not a duration: ${JSON.stringify(value)}`, null, false);
  return ms;
}

/** `delay` sleeps on the execution's alarm, so a paused branch holds no CPU, then passes its input on. */
export const delayNode: NodeImplementation = {
  type: "delay",
  sideEffects: false,
  run: async (ctx) => ({
    kind: "sleep",
    until: ctx.now() + durationMs(ctx.params.duration, "duration"),
    action: "default",
    output: ctx.input,
  }),
};

export const waitNode: NodeImplementation = {
  type: "wait",
  sideEffects: false,
  run: async (ctx: NodeContext): Promise<NodeOutcome> => {
    const kind = ctx.params.type ?? "duration";
    if (kind === "duration") {
      return { kind: "sleep", until: ctx.now() + durationMs(ctx.params.duration, "duration"), action: "default", output: ctx.input };
    }
    if (kind === "until_time") {
      const at = Date.parse(String(ctx.params.time));
      if (Number.isNaN(at))
        throw new NodeError("invalid_params", `'time' is not an RFC 3339 time: ${JSON.stringify(ctx.params.time)}`, null, false);
      return { kind: "sleep", until: at, action: "default", output: ctx.input };
    }
    if (kind === "event") {
      const event = String(ctx.params.event ?? "");
      if (!event) throw new NodeError("invalid_params", "'event' names the event to wait for", null, false);
      const timeout = ctx.params.timeout === undefined ? null : ctx.now() + durationMs(ctx.params.timeout, "timeout");
      return { kind: "wait_event", event, timeoutAt: timeout };
    }
    throw new NodeError("invalid_params", `Unknown wait type ${JSON.stringify(kind)}`, null, false);
  },
};

/** `flow` runs another flow of the same account as a child execution. */
export const subflowNode: NodeImplementation = {
  type: "flow",
  sideEffects: true,
  run: async (ctx) => {
    const version = ctx.params.version;
    return {
      kind: "subflow",
      flowId: String(ctx.params.flow_id),
      input: ctx.params.input === undefined ? ctx.input : ctx.params.input,
      wait: ctx.params.wait !== false,
      ...(version === undefined || version === null ? {} : { version: Number(version) }),
    };
  },
};
