import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { toMermaid } from "../../src/cli/_mermaid";
import { validateFlow } from "../../src/flow";
import { json, root, User } from "./helpers";

// Offline commands: no login, no server.
const user = new User("offline");

const HELLO = `metadata:
  name: Hello
nodes:
  greet:
    type: transform
    params: {script: "return 1"}
`;
const BROKEN = "metadata: {name: Oops}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}, next: {default: b}}\n";

describe.concurrent("flowrunner validate", () => {
  it("accepts a valid flow: exit 0, nothing on stderr", async () => {
    const file = user.file("hello.yaml", HELLO);
    const r = await user.run(["validate", file]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(`${file}: valid\n`);
  });

  it("prints errors as file:line:col like a compiler, exit 1", async () => {
    user.file("broken.yaml", BROKEN);
    const r = await user.run(["validate", "broken.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "broken.yaml:3:70: error: node 'a' references non-existent node 'b' for action 'default' (did you mean 'a'?) [dangling_edge]\n",
    );
    expect(r.stdout).toBe("");
  });

  it("reports every file, warnings without failing, and a summary", async () => {
    user.file("a.yaml", HELLO);
    user.file("b.yaml", BROKEN);
    user.file(
      "warn.yaml",
      HELLO +
        "  lonely:\n    type: transform\n    params: {script: 'return 2'}\n    next: {default: greet}\n  orphan:\n    type: transform\n    params: {script: 'return 3'}\n    next: {default: orphan}\n",
    );
    const r = await user.run(["validate", "a.yaml", "b.yaml", "warn.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("b.yaml:3:70: error:");
    expect(r.stderr).toMatch(/^warn\.yaml:\d+:\d+: warning: node 'orphan' is not reachable .*\[unreachable_node\]$/m);
    expect(r.stdout).toContain("a.yaml: valid\n");
    expect(r.stdout).toContain("warn.yaml: valid (1 warning)\n");
    expect(r.stdout).toContain("1 of 3 files invalid");
  });

  it("reads stdin for -, and gives JSON with --json", async () => {
    const r = await user.run(["validate", "-", "--json"], { input: BROKEN });
    expect(r.code).toBe(1);
    const [report] = json<{ file: string; valid: boolean; errors: { code: string; line: number; column: number }[] }[]>(r.stdout);
    expect(report).toMatchObject({ file: "<stdin>", valid: false, errors: [{ code: "dangling_edge", line: 3, column: 70 }] });
  });

  it("uses the same validator as the server", async () => {
    const source = "metadata: {name: x}\nnodes:\n  a: {type: http.request, params: {method: FETCH}}\n";
    const r = await user.run(["validate", "-", "--json"], { input: source });
    const expected = validateFlow(source);
    expect(json<{ errors: unknown[] }[]>(r.stdout)[0]!.errors).toEqual(expected.errors);
  });

  it("fails on a missing file", async () => {
    const r = await user.run(["validate", "nope.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("nope.yaml: error: no such file\n");
  });

  it("accepts every example flow", async () => {
    const files = readdirSync(path.join(root, "examples")).filter((f) => f.endsWith(".yaml"));
    const r = await user.run(["validate", ...files], { cwd: path.join(root, "examples") });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${files.length} files valid`);
  });
});

describe.concurrent("flowrunner graph", () => {
  it("prints a file as a Mermaid flowchart: actions, parallel fan-out, dashed error edges", async () => {
    const file = user.file(
      "graph.yaml",
      `metadata: {name: Graph}
nodes:
  fetch:
    type: http.request
    params: {url: "https://example.com"}
    next: {success: [left, right], error: failed}
  left: {type: transform, params: {script: "return 1"}, next: {default: check}}
  right: {type: delay, params: {duration: 1s}, next: {default: check}}
  check:
    type: condition
    params: {conditions: [{condition: "true", action: ok}]}
    next: {ok: end}
  end: {type: transform, params: {script: "return 2"}}
  failed: {type: transform, params: {script: "return 3"}}
`,
    );
    const r = await user.run(["graph", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`flowchart TD
  %% Graph
  fetch["fetch<br/>http.request"]
  left["left<br/>transform"]
  right(["right<br/>delay"])
  check{"check<br/>condition"}
  n_1["end<br/>transform"]
  failed["failed<br/>transform"]
  fetch ==>|"success"| left
  fetch ==>|"success"| right
  fetch -.->|"error"| failed
  left -->|"default"| check
  right -->|"default"| check
  check -->|"ok"| n_1
  classDef startNode stroke-width:3px
  class fetch startNode
`);
  });

  it("refuses an invalid file with the validator's errors", async () => {
    user.file("broken-graph.yaml", BROKEN);
    const r = await user.run(["graph", "broken-graph.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("broken-graph.yaml:3:70: error:");
  });
});

describe("toMermaid", () => {
  it("escapes labels and renames ids Mermaid cannot take", () => {
    const { flow } = validateFlow(`metadata: {name: x}
start: "send-mail"
nodes:
  "send-mail": {type: transform, params: {script: "return 1"}, next: {'say "hi"': graph, default: n_1}}
  graph: {type: flow, params: {flow_id: flw_x}}
  n_1: {type: transform, params: {script: "return 1"}}
`);
    const text = toMermaid(flow!);
    expect(text).toContain('n_2["send-mail<br/>transform"]');
    expect(text).toContain('n_3[["graph<br/>flow"]]');
    expect(text).toContain('n_2 -->|"say #quot;hi#quot;"| n_3');
    expect(text).toContain('n_2 -->|"default"| n_1');
    expect(text).toContain("class n_2 startNode");
  });
});
