/** The ten reference flows of the original (original-flowrunner.md §10), plus its extras, as fixtures. */
import { describe, expect, it } from "vitest";
import { getNodeType, validateFlow } from "../../../src/flow";
import { codes, expectValid, fixture } from "./helpers";

describe("reference flows valid in this language", () => {
  it.each([
    ["ref-01-minimal-linear.yaml", "start", 2],
    ["ref-02-complex-flow.yaml", "start", 4],
    ["ref-04-hello-world.yaml", "fetch", 4],
    ["ref-05-data-transformation.yaml", "fetch_data", 3],
    ["ref-06-branching.yaml", "start", 6],
    ["ref-07-simple-llm.yaml", "ask", 2],
    ["ref-08-sequential-llm.yaml", "technical", 4],
    ["ref-09-tool-router.yaml", "assistant", 5],
    ["ref-10-tool-loop.yaml", "start", 7],
    ["extra-email-processor.yaml", "inbox", 4],
    ["design-example.yaml", "fetch", 5],
  ])("%s parses cleanly", (name, start, nodeCount) => {
    const result = validateFlow(fixture(name));
    expectValid(result);
    // The only warnings: nodes of types this server cannot run yet, each named once.
    const notRunnable = Object.entries(result.flow!.nodes)
      .filter(([, node]) => getNodeType(node.type)?.notRunnable !== undefined && !node.hooks?.exec)
      .map(([id]) => id);
    expect(result.warnings.map((w) => [w.code, w.path[1]])).toEqual(notRunnable.map((id) => ["node_not_runnable", id]));
    expect(result.flow!.start).toBe(start);
    expect(Object.keys(result.flow!.nodes)).toHaveLength(nodeCount);
  });

  it("1: the default edge links start to end", () => {
    expect(validateFlow(fixture("ref-01-minimal-linear.yaml")).flow!.nodes.start!.next).toEqual({ default: ["end"] });
  });

  it("2: retry and the worker-pool batch are parsed and normalised", () => {
    const { nodes } = validateFlow(fixture("ref-02-complex-flow.yaml")).flow!;
    expect(nodes.start!.retry).toEqual({ max_retries: 3, wait: "100ms" });
    expect(nodes.process_data!.batch).toEqual({ items: "${input.items}", strategy: "parallel", max_parallel: 5 });
    expect(nodes.process_data!.next).toEqual({ success: ["success_handler"], failure: ["failure_handler"] });
  });

  it("5: secrets in nested params and a typed ${} body survive as written", () => {
    const { nodes } = validateFlow(fixture("ref-05-data-transformation.yaml")).flow!;
    expect(nodes.fetch_data!.params.headers).toEqual({ Authorization: "Bearer ${secrets.API_KEY}" });
    expect(nodes.send_data!.params.body).toBe("${input.items}");
  });

  it("6: the condition routes on the strings its script returns", () => {
    const { nodes } = validateFlow(fixture("ref-06-branching.yaml")).flow!;
    expect(nodes.check_priority!.next).toEqual({ high: ["high_priority"], medium: ["medium_priority"], low: ["low_priority"] });
  });

  it("10: the loop back to the llm is allowed and the metadata version is text", () => {
    const { flow } = validateFlow(fixture("ref-10-tool-loop.yaml"));
    expect(flow!.nodes.record!.next).toEqual({ default: ["llm"] });
    expect(flow!.metadata.version).toBe("2");
  });

  it("design example: a list of targets fans out", () => {
    const { flow } = validateFlow(fixture("design-example.yaml"));
    expect(flow!.nodes.each!.next).toEqual({ default: ["store", "notify"] });
    expect(flow!.metadata).toEqual({ name: "Order sync", description: "Copy new orders", version: "1.0.0", tags: ["sync"] });
  });
});

describe("reference flows as the original wrote them", () => {
  it("1: the loader-only 'base' type is rejected with a migration hint", () => {
    const result = validateFlow(fixture("ref-01-minimal-linear.original.yaml"));
    expect(result.errors.map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      [
        "unknown_node_type",
        "unknown node type 'base' in node 'start' (the original loader's 'base' type is gone; use 'transform' for a pass-through step; retry is a setting of every node)",
        7,
        11,
      ],
      [
        "unknown_node_type",
        "unknown node type 'base' in node 'end' (the original loader's 'base' type is gone; use 'transform' for a pass-through step; retry is a setting of every node)",
        11,
        11,
      ],
    ]);
  });

  it("2: 'worker_pool' as a node type points to the batch setting", () => {
    const result = validateFlow(fixture("ref-02-complex-flow.original.yaml"));
    expect(codes(result.errors)).toEqual(["unknown_node_type", "unknown_node_type", "unknown_node_type", "unknown_node_type"]);
    expect(result.errors[1]).toMatchObject({
      message:
        "unknown node type 'worker_pool' in node 'process_data' (batching is a node setting now: add batch: {strategy: parallel, max_parallel: N} to a node of a real type)",
      line: 18,
      column: 11,
    });
  });

  describe("3: the loader's validation errors", () => {
    it("an A ↔ B cycle has no start node", () => {
      expect(validateFlow(fixture("ref-03-cycle.yaml")).errors).toEqual([
        {
          code: "no_start_node",
          message: "no start node found: every node has an incoming edge (e.g. a pure cycle); set start: to the first node",
          path: ["nodes"],
          line: 4,
          column: 1,
        },
      ]);
    });

    it("two start nodes are both named", () => {
      expect(validateFlow(fixture("ref-03-two-starts.yaml")).errors).toEqual([
        {
          code: "multiple_start_nodes",
          message: "multiple start nodes found: 'first' and 'second' (no edge points to them); connect them or set start:",
          path: ["nodes"],
          line: 4,
          column: 1,
        },
      ]);
    });

    it("an unknown type names the node and the closest type", () => {
      expect(validateFlow(fixture("ref-03-unknown-type.yaml")).errors).toEqual([
        {
          code: "unknown_node_type",
          message: "unknown node type 'http.reqest' in node 'start' (did you mean 'http.request'?)",
          path: ["nodes", "start", "type"],
          line: 6,
          column: 11,
        },
      ]);
    });

    it("a dangling next is one error, not also a second start node", () => {
      expect(validateFlow(fixture("ref-03-dangling.yaml")).errors).toEqual([
        {
          code: "dangling_edge",
          message: "node 'fetch' references non-existent node 'proces' for action 'success' (did you mean 'process'?)",
          path: ["nodes", "fetch", "next", "success"],
          line: 10,
          column: 16,
        },
      ]);
    });
  });

  it("the WebSocket test flow: a wait node never takes its 'success' edge", () => {
    const result = validateFlow(fixture("extra-ws-wait.yaml"));
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        code: "unknown_action",
        message:
          "node 'pause' (wait) has an edge for action 'success', which it never finishes with (it finishes with 'default', 'timeout' or 'error'); the edge is never taken",
        path: ["nodes", "pause", "next", "success"],
        line: 12,
        column: 7,
      },
    ]);
  });

  it("the README flow: hooks are accepted, the 'notification' type is not", () => {
    const result = validateFlow(fixture("extra-readme-hooks.yaml"));
    expect(result.errors.map((e) => [e.code, e.line])).toEqual([["unknown_node_type", 17]]);
    // A post hook may choose any action, so 'ok'/'failed' edges are not flagged.
    expect(result.warnings).toEqual([]);
  });
});
