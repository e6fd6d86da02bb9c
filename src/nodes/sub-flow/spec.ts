/** `flow`: runs another flow of the account as a child execution. */
import { z } from "zod";
import { jsonValue } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";

export const subFlow = defineNodeType({
  type: "flow",
  description:
    "Runs another flow of the same account as a child execution; its result is the output. With wait: false it starts the child and continues with {execution_id}.",
  actions: ["default"],
  params: {
    flow_id: z.string().min(1).describe("Id of the flow to run"),
    input: jsonValue.optional().describe("Input of the child execution (default: this node's input)"),
    version: z
      .union([z.number().int().min(1), z.string().regex(/^\d+$/, "must be a version number").transform(Number)])
      .optional()
      .describe("Flow version to run (default: the latest)"),
    wait: z.boolean().default(true).describe("Wait for the child to finish (default true)"),
  },
});
