/** `transform`: a script whose return value is the output. */
import { z } from "zod";
import { defineNodeType } from "../../flow/node-types/spec";

export const transform = defineNodeType({
  type: "transform",
  description: "Runs script as a JavaScript function body; its return value is the output.",
  actions: ["default"],
  scriptParams: ["script"],
  params: {
    script: z.string().min(1).describe("Function body; sees input, results, shared, secrets, execution, params"),
  },
});
