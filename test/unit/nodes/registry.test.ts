/** Every declared node type runs here or says why it cannot; the two lists never drift apart. */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getNodeType, NODE_TYPES } from "../../../src/flow";
import { getNodeImplementation, RUNNABLE_TYPES } from "../../../src/nodes/registry";

describe("node registry", () => {
  it("implements each declared type, or marks it not runnable with a reason, never both", () => {
    for (const type of NODE_TYPES) {
      const spec = getNodeType(type)!;
      const impl = getNodeImplementation(type);
      if (impl) {
        expect(spec.notRunnable, `${type} runs, so it must not be marked not runnable`).toBeUndefined();
        // One declaration: the implementation carries the very spec the flow language validates with.
        expect(impl.spec).toBe(spec);
      } else {
        expect(spec.notRunnable, `${type} has no implementation and no reason`).toMatch(/^.{20,}$/);
      }
    }
    expect(RUNNABLE_TYPES.every((type) => NODE_TYPES.includes(type))).toBe(true);
  });

  it("lists exactly the types that run on this server", () => {
    const runnable = NODE_TYPES.filter((type) => getNodeType(type)!.notRunnable === undefined);
    expect([...RUNNABLE_TYPES].sort()).toEqual([...runnable].sort());
  });

  it("keeps one folder per type, each with its spec", () => {
    const folders = readdirSync(new URL("../../../src/nodes/", import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !["capabilities", "lifecycle", "plugin"].includes(entry.name))
      .map((entry) => entry.name);
    const files = (folder: string) => readdirSync(new URL(`../../../src/nodes/${folder}/`, import.meta.url));
    expect(folders).toHaveLength(NODE_TYPES.length);
    for (const folder of folders) expect(files(folder)).toContain("spec.ts");
    expect(folders.filter((folder) => files(folder).includes("run.ts"))).toHaveLength(RUNNABLE_TYPES.length);
  });
});
