import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const user = new User("cli-flows");
const HELLO = `metadata:
  name: CLI Hello
  tags: [demo, cli]
nodes:
  greet:
    type: transform
    params:
      script: "return { greeting: 'hello ' + input.name }"
`;

beforeAll(() => user.login());

describe("flowrunner flows", () => {
  let id = "";

  it("creates a flow from a file", async () => {
    const file = user.file("hello.yaml", HELLO);
    const r = await user.run(["flows", "create", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Created flow flw_[a-z0-9]{25} "CLI Hello" \(version 1\)\n$/);
    id = /flw_[a-z0-9]{25}/.exec(r.stdout)![0];
  });

  it("refuses an invalid flow with its problems at the file's lines", async () => {
    user.file("bad.yaml", "metadata: {name: Bad}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}, next: {default: b}}\n");
    const r = await user.run(["flows", "create", "bad.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "error: validation_failed: The flow is not valid (line 3, column 70: node 'a' references non-existent node 'b' for action 'default' (did you mean 'a'?))\n" +
        "  bad.yaml:3:70: node 'a' references non-existent node 'b' for action 'default' (did you mean 'a'?) [dangling_edge]\n",
    );
  });

  it("prints the YAML with get, by id or by name, and the record with --json", async () => {
    const byId = await user.run(["flows", "get", id]);
    expect(byId).toMatchObject({ code: 0, stdout: HELLO });
    expect((await user.run(["flows", "get", "CLI Hello"])).stdout).toBe(HELLO);
    const record = json((await user.run(["flows", "get", id, "--json"])).stdout);
    expect(record).toMatchObject({ id, name: "CLI Hello", version: 1, content: HELLO, tags: ["demo", "cli"] });
  });

  it("lists flows as a table and as JSON, with filters", async () => {
    user.file("other.yaml", HELLO.replace("CLI Hello", "CLI Other").replace("[demo, cli]", "[other]"));
    expect((await user.run(["flows", "create", "other.yaml"])).code).toBe(0);
    const table = await user.run(["flows", "list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +NAME +VERSION +STATUS +TRIGGERS +TAGS +UPDATED$/);
    expect(lines[1]).toMatch(/^flw_[a-z0-9]{25} +CLI Other +1 +draft +on +other +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(lines[2]).toMatch(new RegExp(`^${id} +CLI Hello +1 +draft +on +demo,cli +`));
    const filtered = json<{ flows: { id: string }[]; next_cursor: string | null }>(
      (await user.run(["flows", "list", "--tag", "demo", "--json"])).stdout,
    );
    expect(filtered).toEqual({ flows: [expect.objectContaining({ id })], next_cursor: null });
    const paged = await user.run(["flows", "list", "--limit", "1"]);
    expect(paged.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(paged.stderr).toMatch(/^\(more: --cursor \S+, or --all\)\n$/);
    const all = await user.run(["flows", "list", "--limit", "1", "--all", "--json"]);
    expect(json<{ flows: unknown[] }>(all.stdout).flows).toHaveLength(2);
  });

  it("updates a flow (a new version), honours --if-match, lists versions", async () => {
    const file = user.file("hello.yaml", HELLO.replace("name: CLI Hello", "name: CLI Hello\n  description: second"));
    const r = await user.run(["flows", "update", id, file, "--if-match", "1"]);
    expect(r).toMatchObject({ code: 0, stdout: `Updated flow ${id} "CLI Hello" (version 2)\n` });
    const stale = await user.run(["flows", "update", id, file, "--if-match", "1"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error: precondition_failed: /);
    const versions = await user.run(["flows", "versions", "CLI Hello"]);
    expect(versions.stdout).toMatch(/^VERSION +NAME +CREATED +BY\n2 +CLI Hello .*\n1 +CLI Hello /);
    expect((await user.run(["flows", "get", id, "--version", "1"])).stdout).toBe(HELLO);
    expect((await user.run(["flows", "get", id])).stdout).toBe(readFileSync(file, "utf8"));
  });

  it("prints a stored flow as Mermaid", async () => {
    const r = await user.run(["graph", id]);
    expect(r).toMatchObject({
      code: 0,
      stdout:
        'flowchart TD\n  %% CLI Hello\n  greet["greet<br/>transform"]\n  classDef startNode stroke-width:3px\n  class greet startNode\n',
    });
  });

  it("deletes a flow", async () => {
    const doomed = json<{ id: string }>((await user.run(["flows", "create", "other.yaml", "--name", "Doomed", "--json"])).stdout).id;
    const r = await user.run(["flows", "delete", doomed]);
    expect(r).toMatchObject({ code: 0, stdout: `Deleted flow ${doomed}\n` });
    const gone = await user.run(["flows", "get", doomed]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("error: not_found: Flow not found\n");
    const byName = await user.run(["flows", "get", "Doomed"]);
    expect(byName.stderr).toBe("error: not_found: no flow with the id or name 'Doomed'\n");
  });

  it("does not show one account's flows to another", async () => {
    const other = new User("cli-flows-other");
    await other.login();
    const r = await other.run(["flows", "get", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: not_found: Flow not found\n");
    expect((await other.run(["flows", "list"])).stdout).toBe("No flows.\n");
  });
});
