/** `llm`: one chat-model call (src/nodes/llm/chat.ts), its messages built from the params, its answer checked as data when asked. */
import type { JsonObject } from "../../lib/json";
import { defineNode, done } from "../define";
import { chat } from "./chat";
import { buildMessages } from "./messages";
import { llm } from "./spec";
import { responseFormat, structuredOutput } from "./structured";

export const llmNode = defineNode({
  spec: llm,
  // A model call changes nothing outside the run: its answer reaches the world only through later
  // steps, and the run is made durable before any step with an effect. So no checkpoint (a storage
  // commit) before it; were the run to crash before its answer is kept, the call is made again,
  // which costs its tokens twice and nothing else.
  sideEffects: false,
  run: async (ctx) => {
    const { params } = ctx;
    const format = responseFormat(params.response_format);
    const answer = await chat(
      ctx,
      params,
      {
        messages: buildMessages(params, ctx.input),
        tools: params.tools as JsonObject[] | undefined,
        tool_choice: params.tool_choice,
        functions: params.functions as JsonObject[] | undefined,
        max_tokens: params.max_tokens,
        stop: params.stop,
        response_format: format,
      },
      { stream: params.stream },
    );
    const structured = structuredOutput(answer.content, format, params.parse_structured === true);
    return done(structured === undefined ? answer : { ...answer, structured_output: structured });
  },
});
