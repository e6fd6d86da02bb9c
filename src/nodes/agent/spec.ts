/** `agent`: a tool-calling loop over a chat model. */
import { z } from "zod";
import { defineNodeType } from "../../flow/node-types/spec";
import { connection } from "../llm/spec";

export const agent = defineNodeType({
  type: "agent",
  notRunnable: "agents are not available on this server yet",
  description:
    "Runs a tool-calling loop until the model answers without tool calls (at most max_steps). Output: {response, steps, intermediate_results, conversation}.",
  actions: ["default"],
  params: {
    ...connection,
    prompt: z.string().min(1).describe("The task"),
    system: z.string().optional().describe("System prompt"),
    max_steps: z.number().int().min(1).max(100).optional().describe("Model round trips allowed (default 10)"),
    tools: z
      .array(z.looseObject({ type: z.string().optional() }))
      .optional()
      .describe("Tool definitions (OpenAI format); how each tool is executed is up to the agent node"),
  },
});
