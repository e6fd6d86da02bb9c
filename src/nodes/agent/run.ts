/** `agent`: a tool-calling loop over a chat model (loop.ts), with tools (tools/), approvals and memory. */
import type { JsonObject } from "../../lib/json";
import { defineNode, done } from "../define";
import { runLoop } from "./loop";
import { memoryStore, recalled, trimmed } from "./memory";
import { agent } from "./spec";
import { buildTools } from "./tools";

export const agentNode = defineNode({
  spec: agent,
  run: async (ctx) => {
    const { params } = ctx;
    const tools = await buildTools(ctx, params.tools ?? []);
    const memory = params.memory;
    // Read once per visit and kept, so a replay of the loop sees the conversation it started from.
    const remembered = memory ? await ctx.step("memory", async () => recalled(await memoryStore(ctx.kv, memory).get(memory.key))) : [];
    const messages: JsonObject[] = [
      ...(params.system === undefined ? [] : [{ role: "system", content: params.system }]),
      ...remembered,
      { role: "user", content: params.prompt },
    ];
    const result = await runLoop(ctx, {
      connection: params,
      messages,
      tools,
      maxSteps: params.max_steps,
      maxTokens: params.max_tokens,
      stream: params.stream,
      approvals: { tools: new Set(params.require_approval ?? []), timeout: params.approval_timeout },
    });
    if (memory) {
      const kept = trimmed(result.conversation, memory.max_messages);
      await memoryStore(ctx.kv, memory).set(memory.key, { messages: kept }, { requestId: `${ctx.idempotencyKey}:memory` });
    }
    return done(result as unknown as JsonObject);
  },
});
