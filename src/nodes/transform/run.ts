/** `transform`: the script's return value is the output. */
import { defineNode } from "../define";
import { runScript } from "../scripting";
import { transform } from "./spec";

export const transformNode = defineNode({
  spec: transform,
  sideEffects: false,
  run: async (ctx) => {
    const result = await runScript(ctx, ctx.params.script, "script");
    return { kind: "done", action: "default", output: result.value, ...(result.shared === undefined ? {} : { shared: result.shared }) };
  },
});
