/** One test per validation code, each asserting the message and the exact position. */
import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { codes, only, yaml } from "./helpers";

describe("document rules", () => {
  it("missing_name: points at metadata when name is absent", () => {
    const result = validateFlow(yaml("metadata:", "  description: no name", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    expect(result.valid).toBe(false);
    expect(only(result.errors, "missing_name")).toEqual({
      code: "missing_name",
      message: "flow name is required: set metadata.name",
      path: ["metadata", "name"],
      line: 1,
      column: 1,
    });
  });

  it("missing_name: a wrong-typed name points at the name key", () => {
    const result = validateFlow(yaml("metadata:", "  name: [a]", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    const issue = only(result.errors, "missing_name");
    expect(issue.message).toBe("flow name must be a non-empty string (metadata.name: expected a string, got list)");
    expect([issue.line, issue.column]).toEqual([2, 3]);
  });

  it("missing_name: options.name stands in for an absent metadata.name, but not for a present one", () => {
    const source = yaml("nodes:", "  a: {type: delay, params: {duration: 1s}}");
    expect(validateFlow(source).errors.map((e) => e.code)).toEqual(["missing_name"]);
    const named = validateFlow(source, { name: "From API" });
    expect(named.valid).toBe(true);
    expect(named.flow?.metadata.name).toBe("From API");
    const both = validateFlow(yaml("metadata: {name: From YAML}", source), { name: "From API" });
    expect(both.flow?.metadata.name).toBe("From YAML");
    expect(validateFlow(source, { name: "  " }).valid).toBe(false);
  });

  it("invalid_metadata: wrong types of the known metadata keys", () => {
    const result = validateFlow(yaml("metadata:", "  name: x", "  tags: sync", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    const issue = only(result.errors, "invalid_metadata");
    expect(issue.message).toBe('metadata.tags: expected a list, got string "sync"');
    expect(issue.path).toEqual(["metadata", "tags"]);
    expect([issue.line, issue.column]).toEqual([3, 9]);
  });

  it("no_nodes: missing, empty and non-mapping nodes", () => {
    const missing = validateFlow(yaml("metadata: {name: x}"));
    expect(only(missing.errors, "no_nodes")).toMatchObject({
      message: "flow must have at least one node (add nodes: {<id>: {type: ...}})",
      line: 1,
      column: 1,
    });
    const empty = validateFlow(yaml("metadata: {name: x}", "nodes: {}"));
    expect(only(empty.errors, "no_nodes")).toMatchObject({ line: 2, column: 1 });
    const list = validateFlow(yaml("metadata: {name: x}", "nodes:", "  - a"));
    expect(only(list.errors, "no_nodes").message).toBe("nodes must be a mapping of node id to node, got list");
  });

  it("unknown_key: at the top level, with a suggestion", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "node:", "  a: {type: delay}", "strat: a"));
    const issues = result.errors.filter((e) => e.code === "unknown_key");
    expect(issues.map((e) => [e.message, e.line, e.column])).toEqual([
      ["unknown top-level key 'node' (did you mean 'nodes'?)", 2, 1],
      ["unknown top-level key 'strat' (did you mean 'start'?)", 4, 1],
    ]);
    expect(codes(result.errors)).toContain("no_nodes");
  });

  it("unknown_key: metadata keys written at the top level", () => {
    const result = validateFlow(yaml("name: x", "nodes:", "  a: {type: delay, params: {duration: 1s}}"));
    expect(result.errors.map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      ["unknown_key", "unknown top-level key 'name' ('name' belongs under metadata)", 1, 1],
      ["missing_name", "flow name is required: set metadata.name", 1, 1],
    ]);
  });

  it("unknown_key: on a node, pointing out params written at node level", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "nodes:",
        "  a:",
        "    type: delay",
        "    duration: 1s",
        "    params: {duration: 1s}",
        "    nxt: {default: a}",
      ),
    );
    const issues = result.errors.filter((e) => e.code === "unknown_key");
    expect(issues.map((e) => [e.message, e.path.join("."), e.line, e.column])).toEqual([
      ["node 'a' has unknown key 'duration' ('duration' is a param of delay: put it under params)", "nodes.a.duration", 5, 5],
      ["node 'a' has unknown key 'nxt' (did you mean 'next'?)", "nodes.a.nxt", 7, 5],
    ]);
  });

  it("metadata accepts keys of its own", () => {
    const result = validateFlow(
      yaml("metadata: {name: x, owner: ops, custom: {a: 1}}", "nodes:", "  a: {type: delay, params: {duration: 1s}}"),
    );
    expect(result.valid).toBe(true);
    expect(result.flow?.metadata).toEqual({ name: "x", owner: "ops", custom: { a: 1 } });
  });
});

describe("node rules", () => {
  const head = ["metadata: {name: x}", "nodes:"];

  it("invalid_node: a node that is not a mapping, or is empty", () => {
    const result = validateFlow(yaml(...head, "  a: just text", "  b:"));
    expect(result.errors.map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      ["invalid_node", "node 'a' must be a mapping with at least a type, got string", 3, 3],
      ["invalid_node", "node 'b' must be a mapping with at least a type, got null", 4, 3],
    ]);
  });

  it("invalid_node: missing or non-string type", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "start: a", "nodes:", "  a:", "    params: {}", "  b:", "    type: 3"));
    expect(result.errors.map((e) => [e.code, e.line, e.column])).toEqual([
      ["invalid_node", 4, 3],
      ["invalid_node", 7, 11],
    ]);
    expect(result.errors[0]!.message).toMatch(/^node 'a' has no type \(one of: http\.request, transform, /);
    expect(result.errors[1]!.message).toBe("node 'b' type must be a string, got number");
  });

  it("invalid_node: params, next and hooks of the wrong shape", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  a:",
        "    type: transform",
        "    params: [script]",
        "    next: b",
        "    hooks: {pre: x}",
        "  b: {type: delay, params: {duration: 1s}}",
      ),
    );
    // next is unusable, so a and b both look like start nodes; that error is covered elsewhere.
    expect(result.errors.filter((e) => e.code === "invalid_node").map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      ["invalid_node", "node 'a' params must be a mapping, got list", 5, 13],
      ["invalid_node", "node 'a' next must be a mapping of action to node id, e.g. next: {default: other_node}, got string", 6, 11],
      ["invalid_node", "node 'a' hooks has unknown key 'pre' (did you mean 'prep'?)", 7, 13],
    ]);
  });

  it("invalid_node: an edge target that is not a node id", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  a:",
        "    type: delay",
        "    params: {duration: 1s}",
        "    next: {default: [b, {x: 1}], other: []}",
        "  b: {type: delay, params: {duration: 1s}}",
      ),
    );
    expect(result.errors.map((e) => [e.message, e.line, e.column])).toEqual([
      ["node 'a' edge 'default' must name a node id or a list of node ids, got mapping", 6, 25],
      ["node 'a' edge 'other' has an empty list of targets", 6, 41],
    ]);
  });

  it("unknown_node_type: suggests the closest type", () => {
    const result = validateFlow(yaml(...head, "  fetch:", "    type: http.reqest", "    params: {url: x}"));
    expect(only(result.errors, "unknown_node_type")).toEqual({
      code: "unknown_node_type",
      message: "unknown node type 'http.reqest' in node 'fetch' (did you mean 'http.request'?)",
      path: ["nodes", "fetch", "type"],
      line: 4,
      column: 11,
    });
  });

  it("unknown_node_type: lists the types when nothing is close, and explains the original's loader types", () => {
    const result = validateFlow(yaml(...head, "  a: {type: notification, next: {default: b}}", "  b: {type: worker_pool}"));
    const [first, second] = result.errors;
    expect(codes(result.errors)).toEqual(["unknown_node_type", "unknown_node_type"]);
    expect(first!.message).toBe(
      "unknown node type 'notification' in node 'a' (available types: http.request, transform, condition, delay, wait, store, llm, agent, rag, email.send, email.receive, webhook, respond, dynamodb, postgres, cron, mcp, flow)",
    );
    expect([first!.line, first!.column]).toEqual([3, 13]);
    expect(second!.message).toBe(
      "unknown node type 'worker_pool' in node 'b' (batching is a node setting now: add batch: {strategy: parallel, max_parallel: N} to a node of a real type)",
    );
  });

  it("missing_param, unknown_param and invalid_param point at the params key, the unknown key and the bad value", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  fetch:",
        "    type: http.request",
        "    params:",
        "      methd: GET",
        "      timeout: soon",
        "      follow_redirects: maybe",
      ),
    );
    expect(result.errors).toEqual([
      {
        code: "missing_param",
        message: "node 'fetch' (http.request) is missing required param 'url'",
        path: ["nodes", "fetch", "params", "url"],
        line: 5,
        column: 5,
      },
      {
        code: "unknown_param",
        message: "node 'fetch' (http.request) has unknown param 'methd' (did you mean 'method'?)",
        path: ["nodes", "fetch", "params", "methd"],
        line: 6,
        column: 7,
      },
      {
        code: "invalid_duration",
        message: `node 'fetch' param 'timeout': "soon" is not a duration (use e.g. "250ms", "30s", "5m", "1h30m" or a number of seconds)`,
        path: ["nodes", "fetch", "params", "timeout"],
        line: 7,
        column: 16,
      },
      {
        code: "invalid_param",
        message: `node 'fetch' param 'follow_redirects': expected true/false or a "\${...}" template, got string "maybe"`,
        path: ["nodes", "fetch", "params", "follow_redirects"],
        line: 8,
        column: 25,
      },
    ]);
  });

  it("missing_param with no params at all points at the node", () => {
    const result = validateFlow(yaml(...head, "  pause:", "    type: delay"));
    expect(only(result.errors, "missing_param")).toMatchObject({
      message: "node 'pause' (delay) is missing required param 'duration'",
      line: 3,
      column: 3,
    });
  });

  it("unknown_param inside a nested param, with the param's own keys as suggestions", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  ask:",
        "    type: llm",
        "    params:",
        "      api_key: k",
        "      model: m",
        "      templates:",
        "        - {role: user, templat: hi}",
      ),
    );
    const unknown = only(result.errors, "unknown_param");
    expect(unknown.message).toBe("node 'ask' (llm) has unknown param 'templates[0].templat' (did you mean 'template'?)");
    expect([unknown.line, unknown.column]).toEqual([9, 24]);
    expect(only(result.errors, "missing_param").message).toBe("node 'ask' (llm) is missing required param 'templates[0].template'");
  });

  it("invalid_param: an enum value, with a suggestion", () => {
    const result = validateFlow(yaml(...head, "  kv:", "    type: store", "    params: {operation: sett, key: k}"));
    expect(only(result.errors, "invalid_param")).toMatchObject({
      message:
        "node 'kv' param 'operation': must be one of get, set, delete, list, query, increment, append, got \"sett\" (did you mean 'set'?)",
      line: 5,
      column: 25,
    });
  });

  it("cross-param rules report even when another param is mistyped", () => {
    const result = validateFlow(yaml(...head, "  kv:", "    type: store", "    params: {operation: set, limit: many}"));
    expect(result.errors.map((e) => [e.code, e.message])).toEqual([
      ["missing_param", "node 'kv' (store): operation 'set' needs param 'key'"],
      ["missing_param", "node 'kv' (store): operation 'set' needs param 'value'"],
      ["invalid_param", `node 'kv' param 'limit': expected a number or a "\${...}" template, got string "many"`],
    ]);
  });

  it("invalid_duration: node and flow timeouts", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "timeout: 0s",
        "nodes:",
        "  a:",
        "    type: delay",
        "    params: {duration: 1s}",
        "    timeout: 10 minutes",
      ),
    );
    expect(result.errors.map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      ["invalid_duration", "flow timeout: must be longer than zero", 2, 10],
      [
        "invalid_duration",
        `node 'a' timeout: "10 minutes" is not a duration (use e.g. "250ms", "30s", "5m", "1h30m" or a number of seconds)`,
        7,
        14,
      ],
    ]);
  });

  it("invalid_cron: names the field that is wrong", () => {
    const result = validateFlow(yaml(...head, "  tick:", "    type: cron", "    params:", '      schedule: "0 25 * * *"'));
    expect(only(result.errors, "invalid_cron")).toEqual({
      code: "invalid_cron",
      message: `node 'tick' param 'schedule': invalid cron expression "0 25 * * *": hour value 25 is out of range 0-23`,
      path: ["nodes", "tick", "params", "schedule"],
      line: 6,
      column: 17,
    });
  });

  it("invalid_retry: unknown keys, bad counts and inconsistent waits", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  a:",
        "    type: delay",
        "    params: {duration: 1s}",
        "    retry: {max_retries: -1, wiat: 1s}",
        "    next: {default: b}",
        "  b:",
        "    type: delay",
        "    params: {duration: 1s}",
        "    retry: {max_retries: 2, wait: 10s, max_wait: 5s}",
      ),
    );
    expect(result.errors.map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      ["invalid_retry", "node 'a' retry.max_retries: must be >= 0, got -1", 6, 26],
      ["invalid_retry", "node 'a' retry has unknown key 'wiat' (did you mean 'wait'?)", 6, 30],
      ["invalid_retry", "node 'b' retry.max_wait (5s) is shorter than retry.wait (10s)", 11, 50],
    ]);
  });

  it("invalid_retry: max_retries is required", () => {
    const result = validateFlow(yaml(...head, "  a:", "    type: delay", "    params: {duration: 1s}", "    retry: {wait: 1s}"));
    expect(only(result.errors, "invalid_retry")).toMatchObject({ message: "node 'a' retry needs 'max_retries'", line: 6, column: 5 });
  });

  it("invalid_batch: strategy and max_parallel", () => {
    const result = validateFlow(
      yaml(...head, "  a:", "    type: delay", "    params: {duration: 1s}", "    batch: {strategy: fanout, max_parallel: 0}"),
    );
    expect(result.errors.map((e) => [e.code, e.message, e.line, e.column])).toEqual([
      [
        "invalid_batch",
        "node 'a' batch.strategy: must be one of serial, parallel, async, async_batch, parallel_batch, worker_pool, got \"fanout\"",
        6,
        23,
      ],
      ["invalid_batch", "node 'a' batch.max_parallel: must be >= 1, got 0", 6, 45],
    ]);
  });
});

describe("graph rules", () => {
  const head = ["metadata: {name: x}", "nodes:"];
  const node = (id: string, next?: string) => `  ${id}: {type: delay, params: {duration: 1s}${next ? `, next: ${next}` : ""}}`;

  it("dangling_edge: names the node, the target, the action and the likely intended node", () => {
    const result = validateFlow(yaml(...head, node("fetch", "{success: proces}"), node("process")));
    expect(result.errors).toEqual([
      {
        code: "dangling_edge",
        message: "node 'fetch' references non-existent node 'proces' for action 'success' (did you mean 'process'?)",
        path: ["nodes", "fetch", "next", "success"],
        line: 3,
        column: 64,
      },
    ]);
  });

  it("dangling_edge: inside a list of targets points at the item", () => {
    const result = validateFlow(yaml(...head, node("a", "{default: [b, zzz]}"), node("b")));
    expect(only(result.errors, "dangling_edge")).toMatchObject({
      message: "node 'a' references non-existent node 'zzz' for action 'default'",
      path: ["nodes", "a", "next", "default", 1],
      line: 3,
      column: 64,
    });
  });

  it("unknown_start: explicit start names a missing node", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "start: frist", "nodes:", node("first")));
    expect(result.errors).toEqual([
      {
        code: "unknown_start",
        message: "start node 'frist' does not exist (did you mean 'first'?)",
        path: ["start"],
        line: 2,
        column: 8,
      },
    ]);
  });

  it("no_start_node: an A ↔ B cycle", () => {
    const result = validateFlow(yaml(...head, node("A", "{default: B}"), node("B", "{default: A}")));
    expect(result.errors).toEqual([
      {
        code: "no_start_node",
        message: "no start node found: every node has an incoming edge (e.g. a pure cycle); set start: to the first node",
        path: ["nodes"],
        line: 2,
        column: 1,
      },
    ]);
  });

  it("an explicit start resolves a cycle", () => {
    const result = validateFlow(yaml("metadata: {name: x}", "start: B", "nodes:", node("A", "{default: B}"), node("B", "{default: A}")));
    expect(result.valid).toBe(true);
    expect(result.flow?.start).toBe("B");
  });

  it("multiple_start_nodes: lists every candidate", () => {
    const result = validateFlow(yaml(...head, node("a", "{default: c}"), node("b", "{default: c}"), node("c"), node("d")));
    expect(result.errors).toEqual([
      {
        code: "multiple_start_nodes",
        message: "multiple start nodes found: 'a', 'b' and 'd' (no edge points to them); connect them or set start:",
        path: ["nodes"],
        line: 2,
        column: 1,
      },
    ]);
  });

  it("unreachable_node: a warning per node the start cannot reach", () => {
    const result = validateFlow(
      yaml("metadata: {name: x}", "start: a", "nodes:", node("a", "{default: b}"), node("b"), node("island", "{default: b}")),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        code: "unreachable_node",
        message: "node 'island' is not reachable from start node 'a'",
        path: ["nodes", "island"],
        line: 6,
        column: 3,
      },
    ]);
  });

  it("node_not_runnable: no declared type gives it, since every one runs", () => {
    const result = validateFlow(
      yaml(
        "metadata: {name: x}",
        "nodes:",
        "  ask:",
        "    type: email.receive",
        "    params: {imap_host: mail.example.com, username: u, password: p}",
      ),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("unknown_action: an edge for an action the node type never emits", () => {
    const result = validateFlow(
      yaml(...head, "  log:", "    type: transform", "    params: {script: return 1}", "    next: {success: end, error: end}", node("end")),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        code: "unknown_action",
        message:
          "node 'log' (transform) has an edge for action 'success', which it never finishes with (it finishes with 'default' or 'error'); the edge is never taken",
        path: ["nodes", "log", "next", "success"],
        line: 6,
        column: 12,
      },
    ]);
  });

  it("unknown_action: not for open action sets, nor when a hook chooses the action", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  check:",
        "    type: condition",
        "    params: {condition_script: return 'big'}",
        "    next: {big: hooked}",
        "  hooked:",
        "    type: transform",
        "    params: {script: return 1}",
        "    hooks: {post: return 'retry'}",
        "    next: {retry: end}",
        node("end"),
      ),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("unknown_action: a conditions list closes the condition's action set", () => {
    const result = validateFlow(
      yaml(
        ...head,
        "  route:",
        "    type: condition",
        "    params:",
        "      conditions: [{condition: input.x > 1, action: big}]",
        "      default_action: small",
        "    next: {big: end, small: end, medium: end}",
        node("end"),
      ),
    );
    const issue = only(result.warnings, "unknown_action");
    expect(issue.message).toBe(
      "node 'route' (condition) has an edge for action 'medium', which it never finishes with (it finishes with 'big', 'small', 'default' or 'error'); the edge is never taken",
    );
    expect([issue.line, issue.column]).toEqual([8, 34]);
  });

  it("collects every error of the flow in one pass, in source order", () => {
    const result = validateFlow(
      yaml(
        "metadata: {}",
        "nodes:",
        "  a: {type: http.request, params: {url: 1}, next: {success: b, error: nowhere}}",
        "  b: {type: nope}",
        "  c: {type: delay, params: {duration: forever}, retry: {max_retries: x}}",
      ),
    );
    expect(result.errors.map((e) => [e.code, e.line])).toEqual([
      ["missing_name", 1],
      ["invalid_param", 3],
      ["dangling_edge", 3],
      ["unknown_node_type", 4],
      ["invalid_duration", 5],
      ["invalid_retry", 5],
    ]);
  });
});
