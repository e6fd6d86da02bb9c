import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { withMetadata } from "../../../src/flow/metadata-edit";

describe("withMetadata", () => {
  it("changes metadata keys and keeps the rest of the document as written", () => {
    const source = [
      "# Greets people",
      "metadata:",
      "  name: Hello # shown in lists",
      "  category: demo",
      "  tags: [a]",
      "nodes:",
      "  greet:",
      "    type: transform",
      "    params:",
      "      script: \"return { greeting: 'hello ' + input.name + ' — a line well past eighty characters, never folded' }\"",
      "",
    ].join("\n");
    const edited = withMetadata(source, { tags: ["x", "y"], status: "active", category: null });
    expect(edited).toBe(
      [
        "# Greets people",
        "metadata:",
        "  name: Hello # shown in lists",
        "  tags: [x, y]",
        "  status: active",
        "nodes:",
        "  greet:",
        "    type: transform",
        "    params:",
        "      script: \"return { greeting: 'hello ' + input.name + ' — a line well past eighty characters, never folded' }\"",
        "",
      ].join("\n"),
    );
    expect(validateFlow(edited).flow?.metadata).toEqual({ name: "Hello", tags: ["x", "y"], status: "active" });
  });

  it("edits flow-style metadata in flow style, and adds metadata first when there is none", () => {
    expect(withMetadata("metadata: {name: Echo}\nnodes: {a: {type: transform}}\n", { name: "New", tags: ["t"] })).toBe(
      "metadata: {name: New, tags: [t]}\nnodes: {a: {type: transform}}\n",
    );
    expect(withMetadata("nodes:\n  a: {type: transform}\n", { name: "Named" })).toBe(
      "metadata:\n  name: Named\nnodes:\n  a: {type: transform}\n",
    );
  });
});
