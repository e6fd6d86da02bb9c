import { describe, expect, it } from "vitest";
import { call, expectError, HELLO_FLOW, signUp, yaml, type TestUser } from "../helpers/api";

interface Flow {
  id: string;
  name: string;
  version: number;
  tags: string[];
  status: string;
  category: string | null;
  content: string;
  custom: Record<string, unknown>;
  description: string | null;
}

async function createFlow(user: TestUser, content = HELLO_FLOW, name?: string): Promise<Flow> {
  const res = await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content, ...(name ? { name } : {}) } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Flow;
}

const renamed = (name: string) => HELLO_FLOW.replace("name: Hello", `name: ${name}`);

describe("create", () => {
  it("accepts JSON {content} and reads name, description and tags from metadata", async () => {
    const user = await signUp();
    const res = await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content: HELLO_FLOW } });
    expect(res.status).toBe(201);
    const flow = (await res.json()) as Flow;
    expect(flow).toMatchObject({
      name: "Hello",
      description: "Says hello",
      version: 1,
      tags: ["demo", "hello"],
      status: "draft",
      content: HELLO_FLOW,
    });
    expect(flow.id).toMatch(/^flw_[0-9a-z]{25}$/);
    expect(res.headers.get("Location")).toBe(`/api/v1/flows/${flow.id}`);
    expect(res.headers.get("ETag")).toBe('"1"');
  });

  it("accepts a raw YAML body", async () => {
    const user = await signUp();
    const res = await call("/api/v1/flows", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: HELLO_FLOW,
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as Flow).name).toBe("Hello");
  });

  it("lets the request name a flow whose YAML has no name", async () => {
    const user = await signUp();
    const content = HELLO_FLOW.replace("  name: Hello\n", "");
    expect((await createFlow(user, content, "Named by request")).name).toBe("Named by request");
    const error = await expectError(
      await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content } }),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(error.details)).toContain("missing_name");
  });

  it("rejects an invalid flow with every error's line and column and saves nothing", async () => {
    const user = await signUp();
    const content = yaml`
metadata:
  name: Broken
nodes:
  first:
    type: transform
    params:
      script: "return 1"
    next:
      default: nowhere
  second:
    type: no.such.type
`;
    const error = await expectError(
      await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content } }),
      400,
      "validation_failed",
    );
    const { errors } = error.details as { errors: { code: string; line: number; column: number }[] };
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "dangling_edge", line: 9, column: 16 }),
        expect.objectContaining({ code: "unknown_node_type", line: 11, column: 11 }),
      ]),
    );
    expect(error.message).toMatch(/line \d+, column \d+/);
    const list = (await (await call("/api/v1/flows", { headers: user.auth })).json()) as { flows: unknown[] };
    expect(list.flows).toEqual([]);
  });

  it("reports YAML syntax errors with line and column", async () => {
    const user = await signUp();
    const content = "metadata:\n  name: x\nnodes: [unclosed\n";
    const error = await expectError(
      await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content } }),
      400,
      "validation_failed",
    );
    const { errors } = error.details as { errors: { code: string; line: number; column: number }[] };
    expect(errors[0]).toMatchObject({ code: "yaml_syntax" });
    expect(errors[0]!.line).toBeGreaterThanOrEqual(3);
  });
});

describe("validate", () => {
  it("returns findings without saving, for JSON and YAML bodies", async () => {
    const user = await signUp();
    const ok = await call("/api/v1/flows/validate", { method: "POST", headers: user.auth, json: { content: HELLO_FLOW } });
    expect(await ok.json()).toEqual({
      valid: true,
      errors: [],
      warnings: [],
      graph: { start: "greet", nodes: [{ id: "greet", type: "transform" }], edges: [], triggers: [] },
    });

    const bad = await call("/api/v1/flows/validate", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: "metadata:\n  name: x\nnodes: {}\n",
    });
    expect(bad.status).toBe(200);
    const body = (await bad.json()) as { valid: boolean; errors: { code: string; line: number; column: number }[] };
    expect(body.valid).toBe(false);
    expect(body.errors[0]).toMatchObject({ code: "no_nodes", line: 3, column: 1 });
    const list = (await (await call("/api/v1/flows", { headers: user.auth })).json()) as { flows: unknown[] };
    expect(list.flows).toEqual([]);
  });

  it("draws a valid flow's graph: every action's edge and the triggers", async () => {
    const user = await signUp();
    const content = yaml`
metadata: {name: Branches}
triggers:
  - {type: cron, cron: "0 9 * * 1"}
  - {type: webhook, id: inbound, enabled: false}
nodes:
  check: {type: condition, params: {conditions: [{condition: "input.n > 1", action: many}], default_action: few}, next: {many: [big, log], few: small}}
  big: {type: transform, params: {script: "return 1"}, next: {error: log}}
  small: {type: transform, params: {script: "return 2"}}
  log: {type: transform, params: {script: "return 3"}}
`;
    const body = (await (await call("/api/v1/flows/validate", { method: "POST", headers: user.auth, json: { content } })).json()) as {
      valid: boolean;
      errors: unknown[];
      graph: { start: string; edges: unknown[]; triggers: unknown[] };
    };
    expect(body.errors).toEqual([]);
    expect(body.graph.start).toBe("check");
    expect(body.graph.edges).toEqual([
      { from: "check", to: "big", action: "many" },
      { from: "check", to: "log", action: "many" },
      { from: "check", to: "small", action: "few" },
      { from: "big", to: "log", action: "error" },
    ]);
    expect(body.graph.triggers).toEqual([
      { id: "cron", type: "cron", enabled: true, summary: "0 9 * * 1 (UTC)" },
      { id: "inbound", type: "webhook", enabled: false, summary: "POST, verified by none" },
    ]);
  });

  it("warns about unreachable nodes", async () => {
    const user = await signUp();
    const content = yaml`
metadata: {name: Islands}
start: a
nodes:
  a: {type: transform, params: {script: "return 1"}}
  b: {type: transform, params: {script: "return 2"}}
`;
    const body = (await (await call("/api/v1/flows/validate", { method: "POST", headers: user.auth, json: { content } })).json()) as {
      valid: boolean;
      warnings: { code: string; line: number }[];
    };
    expect(body.valid).toBe(true);
    expect(body.warnings).toEqual([expect.objectContaining({ code: "unreachable_node", line: 5 })]);
  });
});

describe("cron schedules in the Worker", () => {
  it("are checked by croner with the field named, at the schedule's position", async () => {
    const user = await signUp();
    const content = yaml`
metadata: {name: Ticks}
nodes:
  bad: {type: cron, params: {schedule: "0 25 * * *"}, next: {default: last}}
  last: {type: cron, params: {schedule: "0 0 L * *"}, next: {default: never}}
  never: {type: cron, params: {schedule: "0 0 30 2 *"}}
`;
    const body = (await (await call("/api/v1/flows/validate", { method: "POST", headers: user.auth, json: { content } })).json()) as {
      errors: { code: string; message: string; line: number }[];
    };
    expect(body.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      ["invalid_cron", 3, `node 'bad' param 'schedule': invalid cron expression "0 25 * * *": hour value 25 is out of range 0-23`],
      [
        "invalid_cron",
        5,
        `node 'never' param 'schedule': invalid cron expression "0 0 30 2 *": it never fires: no date has that day of month in those months`,
      ],
    ]);
  });
});

describe("read, list and filter", () => {
  it("gets JSON or raw YAML with an ETag", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    const json = await call(`/api/v1/flows/${flow.id}`, { headers: user.auth });
    expect(json.headers.get("ETag")).toBe('"1"');
    expect(await json.json()).toMatchObject({ id: flow.id, content: HELLO_FLOW, metadata: { name: "Hello", tags: ["demo", "hello"] } });
    const raw = await call(`/api/v1/flows/${flow.id}`, { headers: { ...user.auth, Accept: "application/yaml" } });
    expect(raw.headers.get("Content-Type")).toMatch(/application\/yaml/);
    expect(await raw.text()).toBe(HELLO_FLOW);
  });

  it("lists newest first with cursor pagination and filters by name, tag and status", async () => {
    const user = await signUp();
    const names = ["Alpha sync", "Beta sync", "Gamma report", "Delta sync", "Epsilon report"];
    const ids: string[] = [];
    for (const name of names) ids.push((await createFlow(user, renamed(name))).id);
    await call(`/api/v1/flows/${ids[0]}/metadata`, { method: "PATCH", headers: user.auth, json: { status: "active", tags: ["prod"] } });

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = (await (await call(`/api/v1/flows${q}`, { headers: user.auth })).json()) as {
        flows: Flow[];
        next_cursor: string | null;
      };
      pages.push(page.flows.map((f) => f.name));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...names].reverse());

    const list = async (q: string) =>
      ((await (await call(`/api/v1/flows?${q}`, { headers: user.auth })).json()) as { flows: Flow[] }).flows.map((f) => f.name).sort();
    expect(await list("name=SYNC")).toEqual(["Alpha sync", "Beta sync", "Delta sync"]);
    expect(await list("name=%25")).toEqual([]);
    expect(await list("tag=prod")).toEqual(["Alpha sync"]);
    expect(await list("tag=demo")).toEqual(["Beta sync", "Delta sync", "Epsilon report", "Gamma report"]);
    expect(await list("status=active")).toEqual(["Alpha sync"]);
    expect(await list("status=draft&name=report")).toEqual(["Epsilon report", "Gamma report"]);
  });

  it("rejects bad pagination parameters", async () => {
    const user = await signUp();
    await expectError(await call("/api/v1/flows?limit=0", { headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/flows?limit=abc", { headers: user.auth }), 400, "validation_failed");
    await expectError(await call("/api/v1/flows?cursor=eyJ4IjoxfQ", { headers: user.auth }), 400, "bad_request");
  });
});

describe("update and versions", () => {
  it("saves a new version per PUT and keeps the full history", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    const v2 = await call(`/api/v1/flows/${flow.id}`, {
      method: "PUT",
      headers: { ...user.auth, "If-Match": '"1"' },
      json: { content: renamed("Hello v2") },
    });
    expect(v2.status).toBe(200);
    expect(v2.headers.get("ETag")).toBe('"2"');
    expect(await v2.json()).toMatchObject({ version: 2, name: "Hello v2" });
    const v3 = await call(`/api/v1/flows/${flow.id}`, {
      method: "PUT",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: renamed("Hello v3"),
    });
    expect(((await v3.json()) as Flow).version).toBe(3);

    const versions = (await (await call(`/api/v1/flows/${flow.id}/versions`, { headers: user.auth })).json()) as {
      versions: { version: number; name: string; created_by: string; content?: string }[];
    };
    expect(versions.versions.map((v) => [v.version, v.name])).toEqual([
      [3, "Hello v3"],
      [2, "Hello v2"],
      [1, "Hello"],
    ]);
    expect(versions.versions[0]!.created_by).toBe(user.username);
    expect(versions.versions[0]).not.toHaveProperty("content");

    const one = await call(`/api/v1/flows/${flow.id}/versions/1`, { headers: user.auth });
    expect(await one.json()).toMatchObject({ version: 1, content: HELLO_FLOW });
    await expectError(await call(`/api/v1/flows/${flow.id}/versions/9`, { headers: user.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/flows/${flow.id}/versions/zero`, { headers: user.auth }), 400, "validation_failed");
  });

  it("answers 412 to a stale If-Match and keeps the winner's content", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    const first = await call(`/api/v1/flows/${flow.id}`, {
      method: "PUT",
      headers: { ...user.auth, "If-Match": '"1"' },
      json: { content: renamed("Winner") },
    });
    expect(first.status).toBe(200);
    const second = await call(`/api/v1/flows/${flow.id}`, {
      method: "PUT",
      headers: { ...user.auth, "If-Match": '"1"' },
      json: { content: renamed("Loser") },
    });
    await expectError(second, 412, "precondition_failed");
    const current = (await (await call(`/api/v1/flows/${flow.id}`, { headers: user.auth })).json()) as Flow;
    expect(current).toMatchObject({ name: "Winner", version: 2 });
  });

  it("lets only one of many concurrent editors of the same version win", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(`/api/v1/flows/${flow.id}`, {
          method: "PUT",
          headers: { ...user.auth, "If-Match": '"1"' },
          json: { content: renamed(`Editor ${i}`) },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412]);
    const versions = (await (await call(`/api/v1/flows/${flow.id}/versions`, { headers: user.auth })).json()) as { versions: unknown[] };
    expect(versions.versions).toHaveLength(2);
  });

  it("rejects an invalid new version and keeps the old one", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    await expectError(
      await call(`/api/v1/flows/${flow.id}`, { method: "PUT", headers: user.auth, json: { content: "metadata: {name: x}\nnodes: {}\n" } }),
      400,
      "validation_failed",
    );
    expect(((await (await call(`/api/v1/flows/${flow.id}`, { headers: user.auth })).json()) as Flow).version).toBe(1);
  });

  it("patches metadata, merging custom fields", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    const patch = async (json: unknown, headers: Record<string, string> = {}) =>
      call(`/api/v1/flows/${flow.id}/metadata`, { method: "PATCH", headers: { ...user.auth, ...headers }, json });
    const first = await patch({ tags: ["x"], category: "ops", custom: { owner: "team-a" } });
    expect(first.headers.get("ETag")).toBe('"2"');
    expect(await first.json()).toMatchObject({ tags: ["x"], category: "ops", custom: { owner: "team-a" }, version: 2 });
    expect(await (await patch({ status: "archived", custom: { tier: 2 } })).json()).toMatchObject({
      status: "archived",
      custom: { owner: "team-a", tier: 2 },
      version: 3,
    });
    // custom is not in the YAML: merging it saves no version.
    expect(await (await patch({ custom: { tier: 3 } })).json()).toMatchObject({ custom: { owner: "team-a", tier: 3 }, version: 3 });
    await expectError(await patch({ status: "draft" }, { "If-Match": '"2"' }), 412, "precondition_failed");
    await expectError(await patch({ status: "Not A Status!" }), 400, "validation_failed");
    await expectError(await patch({ colour: "blue" }), 400, "validation_failed");
  });

  it("keeps one value per metadata fact: the YAML's, which a PATCH or a request name rewrites", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    const get = async () =>
      (await (await call(`/api/v1/flows/${flow.id}`, { headers: user.auth })).json()) as Flow & { metadata: Record<string, unknown> };
    /** Every fact the detail shows twice (as a field and in the YAML's metadata) has one value. */
    const agree = (f: Flow & { metadata: Record<string, unknown> }) => {
      // A fact the YAML leaves out shows its default; one it declares shows the YAML's value.
      const defaults: Record<string, unknown> = { tags: [], category: null, status: "draft", description: null };
      const fields = f as unknown as Record<string, unknown>;
      expect(f.metadata.name).toBe(f.name);
      for (const key of Object.keys(defaults)) expect(fields[key]).toEqual(key in f.metadata ? f.metadata[key] : defaults[key]);
    };

    await call(`/api/v1/flows/${flow.id}/metadata`, {
      method: "PATCH",
      headers: user.auth,
      json: { tags: ["prod"], status: "active", category: "ops" },
    });
    let detail = await get();
    expect(detail).toMatchObject({ version: 2, tags: ["prod"], status: "active", category: "ops" });
    agree(detail);
    // The YAML was edited in place: the rest of it, comments included, is as written.
    expect(detail.content).toContain("tags: [prod]");
    expect(detail.content).toContain("script: \"return { greeting: 'hello ' + input.name }\"");
    const version2 = (await (await call(`/api/v1/flows/${flow.id}/versions/2`, { headers: user.auth })).json()) as { content: string };
    expect(version2.content).toBe(detail.content);

    await call(`/api/v1/flows/${flow.id}/metadata`, { method: "PATCH", headers: user.auth, json: { category: null } });
    detail = await get();
    expect(detail).toMatchObject({ version: 3, category: null });
    agree(detail);

    // A new version that leaves tags and status out has none: the YAML says all there is.
    const put = await call(`/api/v1/flows/${flow.id}`, {
      method: "PUT",
      headers: user.auth,
      json: { content: "# no tags here\nmetadata: {name: Hello}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}}\n" },
    });
    expect(put.status).toBe(200);
    detail = await get();
    expect(detail).toMatchObject({ version: 4, tags: [], status: "draft", description: null });
    agree(detail);

    // A name sent with the source replaces the YAML's.
    const renamedPut = await call(`/api/v1/flows/${flow.id}`, {
      method: "PUT",
      headers: user.auth,
      json: {
        name: "Greeter",
        content: "# named\nmetadata: {name: Hello}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}}\n",
      },
    });
    expect(renamedPut.status).toBe(200);
    detail = await get();
    expect(detail.name).toBe("Greeter");
    expect(detail.content).toBe("# named\nmetadata: {name: Greeter}\nnodes:\n  a: {type: transform, params: {script: 'return 1'}}\n");
    agree(detail);
  });

  it("deletes a flow and its versions", async () => {
    const user = await signUp();
    const flow = await createFlow(user);
    expect((await call(`/api/v1/flows/${flow.id}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await call(`/api/v1/flows/${flow.id}`, { headers: user.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/flows/${flow.id}/versions/1`, { headers: user.auth }), 404, "not_found");
    await expectError(await call(`/api/v1/flows/${flow.id}`, { method: "DELETE", headers: user.auth }), 404, "not_found");
  });
});

describe("tenant isolation", () => {
  it("answers 404 to every flow route for another account's flow", async () => {
    const owner = await signUp();
    const other = await signUp();
    const flow = await createFlow(owner);
    const h = other.auth;
    const attempts: [string, RequestInit & { json?: unknown }][] = [
      [`/api/v1/flows/${flow.id}`, { headers: h }],
      [`/api/v1/flows/${flow.id}`, { method: "PUT", headers: h, json: { content: HELLO_FLOW } }],
      [`/api/v1/flows/${flow.id}`, { method: "DELETE", headers: h }],
      [`/api/v1/flows/${flow.id}/metadata`, { method: "PATCH", headers: h, json: { status: "active" } }],
      [`/api/v1/flows/${flow.id}/versions`, { headers: h }],
      [`/api/v1/flows/${flow.id}/versions/1`, { headers: h }],
    ];
    for (const [path, init] of attempts) await expectError(await call(path, init), 404, "not_found");
    const list = (await (await call("/api/v1/flows", { headers: h })).json()) as { flows: unknown[] };
    expect(list.flows).toEqual([]);
    const still = (await (await call(`/api/v1/flows/${flow.id}`, { headers: owner.auth })).json()) as Flow;
    expect(still).toMatchObject({ version: 1, status: "draft" });
  });

  it("requires authentication on every flow route", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/flows"],
      ["POST", "/api/v1/flows"],
      ["POST", "/api/v1/flows/validate"],
      ["GET", "/api/v1/flows/flw_x"],
      ["PUT", "/api/v1/flows/flw_x"],
      ["DELETE", "/api/v1/flows/flw_x"],
      ["PATCH", "/api/v1/flows/flw_x/metadata"],
      ["GET", "/api/v1/flows/flw_x/versions"],
      ["GET", "/api/v1/flows/flw_x/versions/1"],
    ] as const) {
      await expectError(await call(path, { method }), 401, "unauthorized");
    }
  });
});
