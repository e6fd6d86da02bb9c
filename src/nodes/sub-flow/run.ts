/** `flow` runs another flow of the same account as a child execution. */
import { defineNode } from "../define";
import { subFlow } from "./spec";

export const subFlowNode = defineNode({
  spec: subFlow,
  run: async ({ params, input }) => ({
    kind: "subflow",
    flowId: params.flow_id,
    input: params.input === undefined ? input : params.input,
    wait: params.wait,
    ...(params.version === undefined ? {} : { version: params.version }),
  }),
});
