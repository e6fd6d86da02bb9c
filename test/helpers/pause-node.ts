/**
 * `test.pause`: a node type that exists only in tests, shaped like a tool loop that asks for approval:
 * a "model" sub-step, then for each listed event a wait (ctx.waitForEvent) followed by a "tool"
 * sub-step. Every sub-step call is counted per run, and with `url` also counted at that loopback
 * server (`/hit/<execution id>-<sub-step>`), so a test proves replays never repeat one.
 *
 * Tests give the flow language and the registry this type with vi.mock (the product declares no such
 * node): `withPauseSpec` and `withPauseNode` extend the real modules.
 */
import { z } from "zod";
import { NodeError } from "../../src/engine/outcome";
import { durationParam } from "../../src/flow/primitives";
import { defineNodeType } from "../../src/flow/node-types/spec";
import type { JsonValue } from "../../src/lib/json";
import { defineNode, done } from "../../src/nodes/define";
import type * as Registry from "../../src/nodes/registry";
import type * as Specs from "../../src/nodes/specs";
import type { NodeContext } from "../../src/nodes/types";

export const pauseSpec = defineNodeType({
  type: "test.pause",
  description: "A model sub-step, then per event a wait and a tool sub-step; output {proposal, answers}",
  actions: ["default"],
  params: {
    events: z.array(z.string()).describe("Events to wait for, in order"),
    timeout: durationParam({ positive: true }).optional().describe("How long each wait lasts at most"),
    note: z.string().optional().describe("Shown with the proposal while the node waits"),
    url: z.string().optional().describe("A loopback server that counts each sub-step call"),
    tool_ms: z.number().int().optional().describe("How long the tool call takes (the server's /slow)"),
    fail_first_tool: z.boolean().optional().describe("The first tool call fails, retryably"),
  },
});

type Params = z.output<typeof pauseSpec.resolved>;

/** Sub-step calls by `<execution id>:<name>`. */
export const calls = new Map<string, number>();
export const callsOf = (executionId: string, name: string) => calls.get(`${executionId}:${name}`) ?? 0;

/** Held by a test to stop a run inside its next tool call, by execution id (a crash lands there). */
export const toolGates = new Map<string, Promise<void>>();

async function count(ctx: NodeContext<Params>, name: string): Promise<number> {
  const key = `${ctx.executionId}:${name}`;
  const n = (calls.get(key) ?? 0) + 1;
  calls.set(key, n);
  const { url } = ctx.params;
  if (url) await ctx.http.request(`${url}/hit/${ctx.executionId}-${name}`, { timeoutMs: 10_000, signal: ctx.signal });
  return n;
}

export const pauseNode = defineNode({
  spec: pauseSpec,
  sideEffects: false,
  run: async (ctx) => {
    const { params } = ctx;
    const proposal = await ctx.step("model", async () => {
      await count(ctx, "model");
      return { tool: "search", arguments: ctx.input };
    });
    const data: JsonValue = params.note === undefined ? proposal : { ...proposal, note: params.note };
    const answers: JsonValue[] = [];
    for (const event of params.events) {
      const answer = await ctx.waitForEvent(event, { ...(params.timeout === undefined ? {} : { timeout: params.timeout }), data });
      answers.push(
        await ctx.step("tool", async () => {
          const n = await count(ctx, "tool");
          await toolGates.get(ctx.executionId);
          if (params.tool_ms && params.url) {
            await ctx.http.request(`${params.url}/slow/${params.tool_ms}`, { timeoutMs: 10_000, signal: ctx.signal });
          }
          if (params.fail_first_tool && n === 1) throw new NodeError("tool_failed", "The tool failed once");
          return answer;
        }),
      );
    }
    return done({ proposal, answers });
  },
});

export const withPauseSpec = (specs: typeof Specs): typeof Specs => ({ ...specs, NODE_SPECS: [...specs.NODE_SPECS, pauseSpec] });

export const withPauseNode = (registry: typeof Registry): typeof Registry => ({
  ...registry,
  getNodeImplementation: (type) => (type === "test.pause" ? pauseNode : registry.getNodeImplementation(type)),
});
