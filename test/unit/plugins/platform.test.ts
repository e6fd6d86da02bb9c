/** The pure parts of plugins: node specs from a manifest's JSON Schema, answers, service-binding discovery. */
import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { readAnswer } from "../../../src/plugins/answer";
import { PluginCatalog } from "../../../src/plugins/catalog";
import type { PluginManifest } from "../../../src/plugins/contract";
import { manifestSchemaProblems } from "../../../src/plugins/node-spec";
import { servicePluginBindings } from "../../../src/plugins/service";
import type { PluginVersionRecord } from "../../../src/storage/types";

const manifest: PluginManifest = {
  name: "tickets",
  version: "1",
  description: "",
  nodes: {
    create: {
      description: "Opens one",
      params: {
        type: "object",
        properties: {
          title: { type: "string" },
          tags: { type: "array", items: { type: "string" } },
          meta: { type: "object", properties: { n: { type: "integer" } } },
        },
        required: ["title"],
        additionalProperties: false,
      },
      actions: ["urgent"],
      side_effects: true,
    },
  },
};
const record = { kind: "http" } as PluginVersionRecord;
const catalog = new PluginCatalog([{ kind: "http", name: "tickets", version: 3, manifest, record }]);

describe("plugin node types in the validator", () => {
  it("checks params against the JSON Schema, skipping values written as templates, and pins the version", () => {
    const flow = (params: string, next = "") =>
      `metadata: {name: t}\nnodes:\n  a:\n    type: tickets.create\n    params: ${params}\n${next}`;
    const ok = validateFlow(flow('{title: "${input.t}", tags: "${input.tags}", meta: {n: "${input.n}"}}'), { nodeTypes: catalog });
    expect(ok.errors).toEqual([]);
    expect(catalog.pinsFor(ok.flow!)).toEqual({ tickets: 3 });
    const bad = validateFlow(flow("{title: 5, tags: [1], meta: {n: 1.5}, extra: 1}"), { nodeTypes: catalog });
    expect(bad.errors.map((e) => [e.code, e.path.slice(3).join(".")])).toEqual([
      ["invalid_param", "title"],
      ["invalid_param", "tags.0"],
      ["invalid_param", "meta.n"],
      ["unknown_param", "extra"],
    ]);
    const edges = validateFlow(flow("{title: x}", "    next: {urgent: a, nope: a}\n"), { nodeTypes: catalog });
    expect(edges.warnings.map((w) => w.code)).toContain("unknown_action");
    expect(edges.warnings.find((w) => w.code === "unknown_action")?.message).toContain("nope");
  });

  it("warns about plugin-shaped types only when asked to, and never for a built-in prefix", () => {
    const source = "metadata: {name: t}\nnodes:\n  a: {type: tickets.create, next: {default: b}}\n  b: {type: email.sendx}\n";
    const strict = validateFlow(source);
    expect(strict.errors.map((e) => [e.code, e.path.join(".")])).toEqual([
      ["unknown_node_type", "nodes.a.type"],
      ["unknown_node_type", "nodes.b.type"],
    ]);
    const lenient = validateFlow(source, { unknownPluginTypes: "warn" });
    expect(lenient.errors.map((e) => e.path.join("."))).toEqual(["nodes.b.type"]);
    expect(lenient.warnings.map((w) => w.code)).toContain("unchecked_plugin_type");
  });
});

describe("plugin answers", () => {
  it("reads outputs, errors and logs, and refuses undeclared actions and other shapes", () => {
    expect(readAnswer({ output: { id: 1 }, action: "urgent", logs: [{ level: "warn", message: "m" }, "junk"] })).toEqual({
      ok: true,
      output: { id: 1 },
      action: "urgent",
      logs: [{ level: "warn", message: "m" }],
    });
    expect(readAnswer({ output: 1, action: 7 })).toMatchObject({ ok: false, error: { code: "plugin_protocol_error" } });
    expect(readAnswer({ error: { code: "Bad Code!", message: "x", retryable: true } })).toMatchObject({
      ok: false,
      error: { code: "plugin_error", message: "x", retryable: true },
    });
    expect(readAnswer([1, 2])).toMatchObject({ ok: false, error: { code: "plugin_protocol_error" } });
    expect(readAnswer({ ouput: 1 })).toMatchObject({ ok: false, error: { code: "plugin_protocol_error" } });
  });
});

describe("service-binding plugins", () => {
  it("finds PLUGIN_* bindings and the accounts each is offered to", () => {
    const entry = { describe: async () => manifest, run: async () => ({ output: null }) };
    const found = servicePluginBindings({
      PLUGIN_OPS: entry,
      PLUGIN_OPS_ACCOUNTS: " acc_a, acc_b ",
      PLUGIN_ALL: entry,
      OTHER: entry,
      PLUGIN_TEXT: "x",
    });
    expect(found.map((b) => [b.binding, b.accounts && [...b.accounts]])).toEqual([
      ["PLUGIN_ALL", null],
      ["PLUGIN_OPS", ["acc_a", "acc_b"]],
    ]);
  });

  it("refuses manifests whose param schema is not an object schema", () => {
    expect(
      manifestSchemaProblems({
        ...manifest,
        nodes: { x: { description: "", params: { type: "string" }, actions: [], side_effects: true } },
      }),
    ).toEqual(["nodes.x.params must be an object schema (type: object)"]);
    expect(manifestSchemaProblems(manifest)).toEqual([]);
  });
});
