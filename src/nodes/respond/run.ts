/**
 * `respond` records the answer as its output; the webhook trigger that waits for it sends it. The
 * answer leaves the run, so the node declares an effect: its step is durable before the caller sees it.
 */
import { defineNode } from "../define";
import type { RespondOutput } from "./response";
import { respond } from "./spec";

export const respondNode = defineNode({
  spec: respond,
  sideEffects: true,
  run: async (ctx) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.params.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const answer: RespondOutput = { status: ctx.params.status, headers, body: ctx.params.body === undefined ? ctx.input : ctx.params.body };
    return { kind: "done", action: "default", output: answer };
  },
});
