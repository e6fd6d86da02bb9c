/** `delay` sleeps on the execution's alarm, so a paused branch holds no CPU, then passes its input on. */
import { defineNode } from "../define";
import { delay } from "./spec";

export const delayNode = defineNode({
  spec: delay,
  sideEffects: false,
  run: async (ctx) => ({ kind: "sleep", until: ctx.now() + ctx.params.duration, action: "default", output: ctx.input }),
});
