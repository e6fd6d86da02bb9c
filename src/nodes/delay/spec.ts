/** `delay`: pauses the branch on the run's alarm. */
import { durationParam } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";

export const delay = defineNodeType({
  type: "delay",
  description: "Pauses the branch for duration, then passes its input on.",
  actions: ["default"],
  params: {
    duration: durationParam().describe("How long to pause"),
  },
});
