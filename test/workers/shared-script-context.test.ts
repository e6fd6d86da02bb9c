import { describe, expect, it } from "vitest";
import { runFlow, saveFlow, signUp, yaml } from "../helpers/api";

// An account's scripts share a locked-down QuickJS context once it has made 50 calls in the isolate
// (docs/expressions.md, "Contexts"). The first node makes 60, so the nodes after it, and the next
// run, go through the shared context: what the language isolates between steps must stay isolated.
const FLOW = yaml`
metadata: {name: Shared context}
nodes:
  warm:
    type: transform
    batch: {items: "\${input.items}"}
    params:
      script: |
        stash = input;
        const m = Math; m.stash = input; m.max = () => -1;
        const f = JSON.stringify; f.stash = input;
        return input;
    next: {default: look}
  look:
    type: transform
    params:
      script: |
        stash = "from look";
        return {
          stash: typeof stash,
          math: [typeof Math.stash, Math.max(1, 2)],
          json: typeof JSON.stringify.stash,
          previous: typeof results,
        };
    next: {default: after}
  after:
    type: transform
    params:
      script: "return { stash: typeof stash, look: input, max: Math.max(3, 4) }"
`;

describe("scripts sharing an account's context", () => {
  it("see nothing an earlier step or run left behind", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, FLOW);
    const items = Array.from({ length: 60 }, (_, i) => i);
    for (let round = 0; round < 2; round++) {
      const run = await runFlow(user, flow, { items });
      expect(run).toMatchObject({ status: "completed", error: null });
      // `look` saw only its own global; `after` (a later step) sees none; the built-ins stayed intact.
      expect(run.output).toEqual({
        stash: "undefined",
        look: { stash: "string", math: ["undefined", 2], json: "undefined", previous: "object" },
        max: 4,
      });
    }
  });
});
