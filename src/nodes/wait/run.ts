/** `wait` suspends the branch on the execution's alarm or until an event is posted to the run. */
import type { NodeOutcome } from "../../engine/outcome";
import { defineNode } from "../define";
import { wait } from "./spec";

export const waitNode = defineNode({
  spec: wait,
  sideEffects: false,
  run: async ({ params, input, now }): Promise<NodeOutcome> => {
    // The schema's cross-param rules guarantee the param each type needs.
    switch (params.type) {
      case "duration":
        return { kind: "sleep", until: now() + params.duration!, action: "default", output: input };
      case "until_time":
        return { kind: "sleep", until: params.time!, action: "default", output: input };
      case "event":
        return { kind: "wait_event", event: params.event!, timeoutAt: params.timeout === undefined ? null : now() + params.timeout };
    }
  },
});
